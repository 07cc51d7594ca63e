"""The national deliberation procedures (一征三议两公开, 四议两公开) exist from the start, so the
deliberation form and the API offer them on a fresh install. The data is frozen here (a later edit
of consultations/procedures.py must not rewrite history); services.ensure_standard_procedures()
recreates them on first use where a database was flushed (tests)."""

from django.db import migrations

PROCEDURES = [
    (
        "yizheng-sanyi-ergongkai",
        "一征三议两公开",
        "征求意见 → 支部提议 → 两委商议 → 居民会议决议 → 决议公开 → 结果公开",
        [
            ("征求居民意见", "any"),
            ("党支部提议", "meeting"),
            ("两委（居委会）商议", "meeting"),
            ("居民会议决议", "meeting"),
            ("决议公开", "notice"),
            ("实施结果公开", "notice"),
        ],
    ),
    (
        "siyi-lianggongkai",
        "四议两公开",
        "党支部提议 → 两委会商议 → 党员大会审议 → 居民代表会议决议 → 决议公开 → 结果公开",
        [
            ("党支部提议", "meeting"),
            ("两委会商议", "meeting"),
            ("党员大会审议", "meeting"),
            ("居民代表会议决议", "meeting"),
            ("决议公开", "notice"),
            ("实施结果公开", "notice"),
        ],
    ),
]


def create(apps, schema_editor):
    Procedure = apps.get_model("consultations", "DeliberationProcedure")
    Step = apps.get_model("consultations", "DeliberationStepTemplate")
    for code, name, description, steps in PROCEDURES:
        procedure, created = Procedure.objects.get_or_create(
            code=code, division=None, defaults={"name": name, "description": description}
        )
        if created:
            Step.objects.bulk_create(
                [
                    Step(procedure=procedure, order=i, name=step_name, kind=kind)
                    for i, (step_name, kind) in enumerate(steps, start=1)
                ]
            )


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
