"""Issue-template lines learned per repository leave the text the clusterer compares; what reporters
wrote stays."""

from __future__ import annotations

import pytest

from issuegraph.graph.boilerplate import learn_boilerplate

R = "o/r"
FORM = """### Preflight Checklist

- [x] I have searched existing issues and this hasn't been reported yet
- [ ] This is a single bug report

### What's Wrong?

{content}

**Environment Info**
- Platform: linux
- Version: 1.0.{n}
Feedback ID: 0f9e{n}c1a-1111-2222-3333-444455556666

```
Error: {content} at line {n}
```
"""
CONTENTS = ["the sidebar flickers when resizing", "saving a file drops unicode characters",
            "the spinner never stops after login", "tabs reorder themselves on restart",
            "search ignores hidden folders", "a theme change resets the font size"]


def corpus() -> list[tuple[str, str]]:
    return [(R, FORM.format(content=c, n=n)) for n, c in enumerate(CONTENTS)]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        pytest.param("### Preflight Checklist", False, id="form-heading-dropped"),
        pytest.param("- [x] I have searched existing issues and this hasn't been reported yet", False,
                     id="checked-item-dropped"),
        pytest.param("- [ ] I have searched existing issues and this hasn't been reported yet", False,
                     id="unchecked-item-dropped"),
        pytest.param("**Environment Info**", False, id="bold-heading-dropped"),
        pytest.param("the sidebar flickers when resizing", True, id="reporter-prose-kept"),
        pytest.param("### Steps I took", True, id="rare-heading-kept"),
        pytest.param("Error: the sidebar flickers when resizing at line 0", True, id="code-kept"),
    ],
)
def test_template_lines_leave_and_content_stays(line: str, kept: bool) -> None:
    stripped = learn_boilerplate(corpus()).strip(R, FORM.format(content=CONTENTS[0], n=0) + "\n### Steps I took\n")
    assert (line in stripped.splitlines()) is kept, stripped


def test_a_template_label_is_cut_and_its_value_kept() -> None:
    stripped = learn_boilerplate(corpus()).strip(R, "Platform: windows arm64\nFeedback ID: abc")
    assert stripped.splitlines() == ["windows arm64", "abc"]


def test_code_blocks_can_be_left_out() -> None:
    text = "prose here\n```\nlog line\n```\n"
    assert learn_boilerplate([]).strip(R, text, code_weight=0) == "prose here"


def test_another_repository_keeps_the_lines_and_few_issues_teach_nothing() -> None:
    b = learn_boilerplate(corpus())
    assert "### Preflight Checklist" in b.strip("other/repo", "### Preflight Checklist")
    two = learn_boilerplate(corpus()[:2])  # below MIN_ISSUES: nothing is boilerplate yet
    assert "### Preflight Checklist" in two.strip(R, "### Preflight Checklist")


def test_lines_a_real_cluster_shares_are_not_template_without_template_shape() -> None:
    # the same error line in many issues is content (a big cluster), not a form
    texts = [(R, f"Traceback (most recent call last):\nImportError: cannot import name 'main'\nrun {n}") for n in range(6)]
    assert "ImportError: cannot import name 'main'" in learn_boilerplate(texts).strip(R, texts[0][1])
