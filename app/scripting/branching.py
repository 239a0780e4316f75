"""Which sections and questions the agent sees, given the answers so far.

Conditions only look back (the parser guarantees it), so one pass in script order decides
everything, and the answer to a hidden question never influences what follows: once a
question is hidden, it counts as unanswered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.scripting.schema import AllOf, AnyOf, Compare, Condition, Question, Script, Section


def holds(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` is true for ``answers`` (cleaned values, by question id)."""
    if condition is None:
        return True
    if isinstance(condition, AllOf):
        return all(holds(c, answers) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(holds(c, answers) for c in condition.conditions)
    return _compare(condition, answers.get(condition.question))


def _compare(condition: Compare, answer: Any) -> bool:
    # A multi-choice answer is a list: "equals" means "includes", "in" means "any of".
    if condition.op == "in":
        if isinstance(answer, list):
            return any(item in condition.value for item in answer)
        return answer is not None and answer in condition.value
    if isinstance(answer, list):
        matched = condition.value in answer
    else:
        matched = answer is not None and type(answer) is type(condition.value)
        matched = matched and answer == condition.value
    return matched if condition.op == "equals" else not matched


def visible(script: Script, answers: Mapping[str, Any]) -> list[tuple[Section, list[Question]]]:
    """The visible sections, in order, each with its visible questions."""
    known: dict[str, Any] = {}  # answers of the questions shown so far
    shown: list[tuple[Section, list[Question]]] = []
    for section in script.sections:
        if not holds(section.show_if, known):
            continue
        questions = []
        for question in section.questions:
            if holds(question.show_if, known):
                questions.append(question)
                if question.id in answers:
                    known[question.id] = answers[question.id]
        shown.append((section, questions))
    return shown


def visible_questions(script: Script, answers: Mapping[str, Any]) -> list[Question]:
    """The questions the agent must see, in script order."""
    return [q for _section, questions in visible(script, answers) for q in questions]


def visible_ids(script: Script, answers: Mapping[str, Any]) -> set[str]:
    return {q.id for q in visible_questions(script, answers)}


def condition_dict(condition: Condition) -> dict[str, Any]:
    """The condition as plain data, for the desk's script that shows and hides questions
    as the agent answers (it mirrors ``holds``)."""
    if isinstance(condition, AllOf):
        return {"all": [condition_dict(c) for c in condition.conditions]}
    if isinstance(condition, AnyOf):
        return {"any": [condition_dict(c) for c in condition.conditions]}
    return {"question": condition.question, condition.op: condition.value}
