"""Demo data from the seed reports. Filled in by the registry work; other apps add theirs."""


def load(stdout, reset: bool = False) -> None:
    stdout.write("demo data: nothing yet")
