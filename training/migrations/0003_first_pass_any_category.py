"""FirstPassAny: each person's first pass in any category per cutoff, filled from FirstPass; FirstPass's
index now covers the category, for index-only per-category lookups.

The backfill is one INSERT ... SELECT (plain SQL both SQLite and PostgreSQL run): a province's
300,000 people would take minutes as Python objects.
"""
import django.db.models.deletion
from django.db import migrations, models


def fill_from_first_passes(apps, schema_editor):
    FirstPass = apps.get_model("training", "FirstPass")
    FirstPassAny = apps.get_model("training", "FirstPassAny")
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"INSERT INTO {quote(FirstPassAny._meta.db_table)} (cutoff_id, staff_id, first_on) "
        f"SELECT cutoff_id, staff_id, MIN(first_on) FROM {quote(FirstPass._meta.db_table)} GROUP BY cutoff_id, staff_id"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('training', '0002_course_categories'),
    ]

    operations = [
        migrations.CreateModel(
            name='FirstPassAny',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_on', models.DateField()),
                ('cutoff', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='training.passcutoff')),
                ('staff', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='first_passes_any', to='agencies.staff')),
            ],
            options={
                'verbose_name': 'first pass in any category',
                'verbose_name_plural': 'first passes in any category',
                'indexes': [models.Index(fields=['staff', 'cutoff', 'first_on'], name='training_fi_staff_i_1733a0_idx')],
                'constraints': [models.UniqueConstraint(fields=('cutoff', 'staff'), name='one_first_pass_any_per_cutoff')],
            },
        ),
        migrations.RemoveIndex(
            model_name='firstpass',
            name='training_fi_staff_i_3e4cf6_idx',
        ),
        migrations.AddIndex(
            model_name='firstpass',
            index=models.Index(fields=['staff', 'cutoff', 'category', 'first_on'], name='training_fi_staff_i_21527c_idx'),
        ),
        migrations.RunPython(fill_from_first_passes, migrations.RunPython.noop),
    ]
