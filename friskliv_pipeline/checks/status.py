"""The one way the checks' results are counted and named, wherever they are shown: the command
line, the audit tables, the auditor's edition and the auditor's workbook.

The unit is a check: one rule of one suite, a row of ``audit_check_results`` (the same rule id
may guard several tables, e.g. ``q01.county_required``). Each check has one status: passed (its
follow-up list or data notes, if any, are not findings), failed (a breach was found) or not
evaluated (its inputs are not official or not there; it neither passed nor failed). A
requirement of the regelverk that no check covers is "not covered" (``expectations/not_covered.yml``).
"""

from __future__ import annotations

from dataclasses import dataclass

STATUS_NB = {"passed": "bestått", "failed": "funn", "not_evaluated": "ikke vurdert", "not_covered": "ikke dekket"}
KIND_NB = {"breach": "brudd", "follow_up": "oppfølging", "data_note": "merknad"}
TALLY_WORDS = {
    "en": {"checks": "checks", "passed": "passed", "failed": "with findings", "not_evaluated": "not evaluated"},
    "nb": {"checks": "kontroller", "passed": "bestått", "failed": "med funn", "not_evaluated": "ikke vurdert"},
}
# What a severity does, in the auditor's words (the workbook's column «Virkning» and the edition):
# ERROR stops the year's publication, WARN is a breach to follow up, INFO is not a finding.
SEVERITY_NB = {"ERROR": "Stopper publisering", "WARN": "Til oppfølging", "INFO": "Ikke et funn"}
SEVERITY_HEADER_NB = "Virkning"
SEVERITY_EXPLAINED_NB = (
    "«Stopper publisering»: dataene kan ikke brukes, og ingenting for året publiseres før funnet er rettet. "
    "«Til oppfølging»: regelen er brutt; året publiseres, og revisor følger opp funnet. "
    "«Ikke et funn»: en liste over forhold revisor må kontrollere i andre kilder, eller en merknad om et kjent "
    "mønster i svarene.")


@dataclass(frozen=True)
class Tally:
    n: int
    passed: int
    failed: tuple[str, ...]  # rule ids of the checks that found a breach (each once)
    not_evaluated: tuple[str, ...]  # rule ids of the checks not evaluated (each once)
    n_failed: int
    n_not_evaluated: int

    def text(self, lang: str = "en") -> str:
        """'44 checks: 35 passed, 3 with findings (…), 6 not evaluated (…)' on the command line;
        '44 kontroller: 35 bestått, 3 med funn, 6 ikke vurdert' in bokmål (the tables name the rules)."""
        words = TALLY_WORDS[lang]
        parts = [f"{self.passed} {words['passed']}"]
        for count, rules, word in ((self.n_failed, self.failed, "failed"),
                                   (self.n_not_evaluated, self.not_evaluated, "not_evaluated")):
            if count:
                named = f" ({', '.join(rules)})" if lang == "en" else ""
                parts.append(f"{count} {words[word]}{named}")
        return f"{self.n} {words['checks']}: " + ", ".join(parts)


def tally(check_results) -> Tally:
    """Count ``audit_check_results`` rows (a DataFrame with check_name and status) by status."""
    statuses = list(zip(check_results["check_name"], check_results["status"]))

    def named(status: str) -> tuple[str, ...]:
        return tuple(sorted({name for name, s in statuses if s == status}))

    failed = [name for name, s in statuses if s == "failed"]
    skipped = [name for name, s in statuses if s == "not_evaluated"]
    return Tally(len(statuses), sum(s == "passed" for _, s in statuses), named("failed"), named("not_evaluated"),
                 len(failed), len(skipped))
