from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0002_import_run_progress'),
    ]

    operations = [
        migrations.AddField(
            model_name='importrun',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of progress'),
        ),
    ]
