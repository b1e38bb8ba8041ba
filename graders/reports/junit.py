"""JUnit XML for CI: one <testsuite> per component, one <testcase> per test.

Mapping of outcomes: a wrong answer or an unimplemented component is a <failure> (the
student's code ran and did not do the job); an error, a timeout or a limit hit is an <error>
(the test could not judge the code), so CI dashboards can tell the two apart. Each testcase
carries <properties> with its weight, its visibility and, when recognised, its diagnosis.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from graders.i18n import Lang
from graders.results import ComponentResult, GradeReport, Outcome, TestResult

from . import clean, failure_text, labels, number

FAILURES = frozenset({Outcome.FAILED, Outcome.NOT_STARTED})
ERRORS = frozenset({Outcome.ERROR, Outcome.TIMEOUT, Outcome.LIMIT})


def write(report: GradeReport, path: str | Path, lang: Lang) -> None:
    """Write the JUnit XML file for `report`, messages in `lang`."""
    tree = ET.ElementTree(to_xml(report, lang))
    ET.indent(tree)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def to_xml(report: GradeReport, lang: Lang) -> ET.Element:
    suites = [suite(c, lang) for c in report.components]
    root = ET.Element(
        "testsuites",
        name=clean(report.submission),
        tests=str(sum(len(c.tests) for c in report.components)),
        failures=str(sum(int(s.get("failures", 0)) for s in suites)),
        errors=str(sum(int(s.get("errors", 0)) for s in suites)),
    )
    root.extend(suites)
    return root


def suite(component: ComponentResult, lang: Lang) -> ET.Element:
    outcomes = [t.outcome for t in component.tests]
    element = ET.Element(
        "testsuite",
        name=f"{component.unit}.{component.component}",
        tests=str(len(outcomes)),
        failures=str(sum(o in FAILURES for o in outcomes)),
        errors=str(sum(o in ERRORS for o in outcomes)),
        skipped="0",
    )
    element.extend(case(t, lang) for t in component.tests)
    return element


def case(test: TestResult, lang: Lang) -> ET.Element:
    element = ET.Element("testcase", classname=f"{test.unit}.{test.component}", name=test.name)
    element.append(properties(test))
    if test.outcome in FAILURES or test.outcome in ERRORS:
        element.append(problem(test, lang))
    return element


def properties(test: TestResult) -> ET.Element:
    element = ET.Element("properties")
    values = {"weight": str(number(test.weight)), "hidden": str(test.hidden).lower()}
    if test.diagnosis:
        values["diagnosis"] = test.diagnosis
    for name, value in values.items():
        ET.SubElement(element, "property", name=name, value=value)
    return element


def problem(test: TestResult, lang: Lang) -> ET.Element:
    """<failure> or <error>: message = the title and the outcome, text = message and fix."""
    tag = "failure" if test.outcome in FAILURES else "error"
    outcome = labels.OUTCOME[test.outcome].get(lang)
    element = ET.Element(tag, message=f"{test.title.get(lang)}: {outcome}", type=str(test.outcome))
    element.text = failure_text(test, lang) or outcome
    return element
