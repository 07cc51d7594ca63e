"""Bring existing rows within issue 9's rules before the database starts to hold them (0007).

- Rule policies below Civil Code art. 278 (participation 2/3, ordinary pass more than 1/2, major pass
  3/4) are raised to the floor; a threshold of 0 takes the default; satisfaction is measured over those
  who answered. Each change is written into the policy's note.
- Draft and open ballots get the same treatment (the law applies to a ballot still being voted on);
  satisfaction surveys take the satisfaction participation share (default 2/3) copied like any rule
  number; a plan choice has no yes options (its leader is measured), so their flags are cleared.
- Yes flags: options made from the standard words (同意, 满意, 基本满意...) already carry theirs,
  written at creation. Nothing is read into an option from its wording now. A CLOSED ballot (not a plan
  choice) with no yes option was counted under the former reading (the leading option taken as yes):
  its published record is kept, but it is marked "not passed" with a note saying why, so no gate can
  rely on it. Open ones with no yes option cannot pass (the tally says so); drafts cannot open until a
  person marks the yes options.
- Results stored before get the keys results carry now (per option "counted_as_yes", "valid",
  "verdict"), read from what was stored; nothing is recounted.
"""

from fractions import Fraction

from django.db import migrations

FLOORS = (("participation", 2, 3), ("ordinary_pass", 1, 2), ("major_pass", 3, 4))
THRESHOLD_DEFAULTS = (
    ("consent_threshold", 95, 100),
    ("satisfaction_threshold", 90, 100),
    ("choice_threshold", 1, 2),
)
FLOOR_NAMES = {
    "participation": "参与比例",
    "ordinary_pass": "一般事项通过比例",
    "major_pass": "重大事项通过比例",
}
THRESHOLD_NAMES = {
    "consent_threshold": "改造意愿门槛",
    "satisfaction_threshold": "满意度门槛",
    "choice_threshold": "方案选择门槛",
}
FORMER_READING = (
    "系统升级说明：本次表决没有任何选项被标为“计为同意”，原系统把得票领先的选项当作同意计算。"
    "按现行规则，选项只有经人明确标记才计为同意，因此本结果不能作为同意或通过的依据（标记为未通过）。"
    "如需表决，请重新发起并标明哪些选项计为同意。"
)


def policy_changes(policy) -> list[str]:
    """Raise one policy (any object with the fields) to the floors; returns what changed, in words."""
    changes = []
    for prefix, fn, fd in FLOORS:
        n, d = getattr(policy, f"{prefix}_num"), getattr(policy, f"{prefix}_den")
        if Fraction(n, d) < Fraction(fn, fd) or (prefix == "ordinary_pass" and n >= d):
            changes.append(f"{FLOOR_NAMES[prefix]} {n}/{d} → {fn}/{fd}")
            setattr(policy, f"{prefix}_num", fn)
            setattr(policy, f"{prefix}_den", fd)
    for prefix, dn, dd in THRESHOLD_DEFAULTS:
        if getattr(policy, f"{prefix}_num") == 0:
            changes.append(f"{THRESHOLD_NAMES[prefix]} 0 → {dn}/{dd}")
            setattr(policy, f"{prefix}_num", dn)
            setattr(policy, f"{prefix}_den", dd)
    if policy.satisfaction_base != "answered":
        changes.append("满意度基数 全体住户 → 作答住户（另设作答比例，默认 2/3）")
        policy.satisfaction_base = "answered"
    return changes


def ballot_changes(ballot, policy=None) -> list[str]:
    """Bring one draft or open ballot within the floors; returns what changed."""
    changes = []
    if ballot.rule in ("art278_ordinary", "art278_major"):
        if Fraction(ballot.participation_num, ballot.participation_den) < Fraction(2, 3):
            changes.append(f"参与比例 {ballot.participation_num}/{ballot.participation_den} → 2/3")
            ballot.participation_num, ballot.participation_den = 2, 3
        floor = (1, 2, False) if ballot.rule == "art278_ordinary" else (3, 4, True)
        share = Fraction(ballot.pass_num, ballot.pass_den)
        if (
            share < Fraction(floor[0], floor[1])
            or (not floor[2] and share >= 1)
            or ballot.pass_inclusive != floor[2]
        ):
            changes.append(f"通过比例 {ballot.pass_num}/{ballot.pass_den} → {floor[0]}/{floor[1]}")
            ballot.pass_num, ballot.pass_den, ballot.pass_inclusive = floor
    elif ballot.threshold_num == 0:
        default = {"renovation_consent": (95, 100), "acceptance_satisfaction": (90, 100)}.get(
            ballot.kind, (1, 2)
        )
        changes.append(f"门槛 0 → {default[0]}/{default[1]}")
        ballot.threshold_num, ballot.threshold_den = default
    if ballot.kind == "acceptance_satisfaction" and ballot.rule == "threshold":
        share = (
            (policy.satisfaction_participation_num, policy.satisfaction_participation_den)
            if policy
            else (2, 3)
        )
        if (
            ballot.participation_num,
            ballot.participation_den,
        ) != share or ballot.threshold_base != "answered":
            changes.append(f"作答比例 {share[0]}/{share[1]}，满意度按作答住户计")
            ballot.participation_num, ballot.participation_den = share
            ballot.threshold_base = "answered"
    return changes


def mark_former_reading(ballot) -> bool:
    """A closed ballot (not a plan choice) with no yes option: keep the record, mark it not passed."""
    result = dict(ballot.result or {})
    if result.get("former_reading"):
        return False
    result["former_reading"] = "leading_option"
    result["published_passed"] = bool(ballot.passed)
    result["passed"] = False
    result["verdict"] = "not_passed"
    result["notes"] = [*result.get("notes", []), FORMER_READING]
    result["explanation"] = (result.get("explanation", "") + "\n" + FORMER_READING).strip()
    for row in result.get("options", []):
        row["counted_as_yes"] = False
    ballot.result = result
    ballot.passed = False
    return True


def backfill_result(ballot) -> bool:
    """A result stored before this migration gets the keys results carry now: per option whether it
    counted as yes (the flags; a plan choice's single leader), and the verdict. Nothing is recounted."""
    result = ballot.result
    if not result or "verdict" in result:
        return False
    rows = result.get("options", [])
    if ballot.kind == "plan_choice":
        plans = [r for r in rows if not r.get("is_abstention")]
        top = max((r.get("count", 0) for r in plans), default=0)
        leaders = [r for r in plans if r.get("count", 0) == top]
        for r in rows:
            r["counted_as_yes"] = len(leaders) == 1 and top > 0 and r is leaders[0]
    else:
        for r in rows:
            r["counted_as_yes"] = bool(r.get("counts_as_yes"))
    result["valid"] = True
    result["verdict"] = "passed" if result.get("passed") else "not_passed"
    result.setdefault("counting_notes", [])
    ballot.result = result
    return True


def forwards(apps, schema_editor):
    RulePolicy = apps.get_model("ballots", "RulePolicy")
    Ballot = apps.get_model("ballots", "Ballot")
    BallotOption = apps.get_model("ballots", "BallotOption")
    for policy in RulePolicy.objects.all():
        changes = policy_changes(policy)
        if changes:
            policy.note = (
                (policy.note + "\n" if policy.note else "") + "系统升级按法定下限调整：" + "；".join(changes)
            )
            policy.save()
    for ballot in Ballot.objects.exclude(status="closed").select_related("rule_policy"):
        changes = ballot_changes(ballot, ballot.rule_policy)
        if changes:
            label = f"{ballot.rule_policy_label}（已按法定下限调整：{'；'.join(changes)}）"
            ballot.rule_policy_label = label[:200]
            ballot.save()
    BallotOption.objects.filter(ballot__kind="plan_choice").exclude(ballot__status="closed").update(
        counts_as_yes=False
    )
    no_yes = (
        Ballot.objects.filter(status="closed")
        .exclude(kind="plan_choice")
        .exclude(options__counts_as_yes=True)
    )
    for ballot in no_yes:
        if mark_former_reading(ballot):
            ballot.save(update_fields=["result", "passed"])
    for ballot in Ballot.objects.filter(status="closed").exclude(result=None):
        if backfill_result(ballot):
            ballot.save(update_fields=["result"])


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0005_issue9_fields"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
