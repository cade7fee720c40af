"""The spreadsheet layer under every import: reading workbooks and parsing cells. Imports no app."""
