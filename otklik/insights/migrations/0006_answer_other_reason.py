"""Why an answer no theme holds is "other" (docs/decisions/0069).

Answers tagged before keep NULL ("not recorded") until re-tagged, except those in a language we do not promise:
their stored language says why, so they get the reason now (a few rows, found by their language).
"""

from django.db import migrations, models

OTHER_LANGUAGE = -1  # rollups.models.OTHER_LANGUAGE as it is when this migration was written


def languages_recorded(apps, schema_editor):
    analysis = apps.get_model("insights", "AnswerAnalysis")
    analysis.objects.filter(language="other", response__answer_themes__isnull=True).update(
        other_reason=OTHER_LANGUAGE
    )


class Migration(migrations.Migration):
    dependencies = [("insights", "0005_answer_comment_words")]

    operations = [
        migrations.AddField(
            model_name="answeranalysis",
            name="other_reason",
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(languages_recorded, migrations.RunPython.noop),
    ]
