from django.db import migrations, models


def create_the_row(apps, schema_editor):
    apps.get_model("agencies", "DataVersion").objects.get_or_create(pk=1)


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_user_deactivated_at'),
    ]

    operations = [
        migrations.CreateModel(
            name='DataVersion',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.BigIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'data version',
                'verbose_name_plural': 'data versions',
            },
        ),
        migrations.RunPython(create_the_row, migrations.RunPython.noop),
    ]
