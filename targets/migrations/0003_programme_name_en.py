"""The programme's name in English beside the Vietnamese one (data, editable in the admin), filled for
Decision 1965; its indicators' and the course categories' English names came with their own data."""
from django.db import migrations, models

DECISION_1965_NAME_EN = (
    "Programme for developing Dak Nong province's IT workforce to 2020, with a vision to 2025"
)


def name_decision_1965(apps, schema_editor):
    Programme = apps.get_model("targets", "Programme")
    Programme.objects.filter(code="qd-1965-2016", name_en="").update(name_en=DECISION_1965_NAME_EN)


class Migration(migrations.Migration):

    dependencies = [
        ('targets', '0002_decision_1965'),
    ]

    operations = [
        migrations.AddField(
            model_name='programme',
            name='name_en',
            field=models.CharField(blank=True, max_length=255, verbose_name='name in English'),
        ),
        migrations.RunPython(name_decision_1965, migrations.RunPython.noop),
    ]
