"""The standard deliberation procedures shipped as data (created by a data migration and by
services.ensure_standard_procedures). Step names are Chinese: they are the method's own words."""

from .choices import StepKind

STANDARD_PROCEDURES = [
    (
        "yizheng-sanyi-ergongkai",
        "一征三议两公开",
        "征求意见 → 支部提议 → 两委商议 → 居民会议决议 → 决议公开 → 结果公开",
        [
            ("征求居民意见", StepKind.ANY),
            ("党支部提议", StepKind.MEETING),
            ("两委（居委会）商议", StepKind.MEETING),
            ("居民会议决议", StepKind.MEETING),
            ("决议公开", StepKind.NOTICE),
            ("实施结果公开", StepKind.NOTICE),
        ],
    ),
    (
        "siyi-lianggongkai",
        "四议两公开",
        "党支部提议 → 两委会商议 → 党员大会审议 → 居民代表会议决议 → 决议公开 → 结果公开",
        [
            ("党支部提议", StepKind.MEETING),
            ("两委会商议", StepKind.MEETING),
            ("党员大会审议", StepKind.MEETING),
            ("居民代表会议决议", StepKind.MEETING),
            ("决议公开", StepKind.NOTICE),
            ("实施结果公开", StepKind.NOTICE),
        ],
    ),
]
