"""Markdown rendering and HTML sanitizing."""

import pytest

from parley.rendering import render_markdown, sanitize_html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("hello *world*!", "hello <em>world</em>!"),
        ("**bold** and `code`", "<strong>bold</strong> and <code>code</code>"),
        ("~~gone~~", "<s>gone</s>"),
        ("line one\nline two", "line one<br>\nline two"),
        ("para one\n\npara two", "<p>para one</p>\n<p>para two</p>"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"),
        ("<b>raw</b>", "&lt;b&gt;raw&lt;/b&gt;"),
    ],
)
def test_markdown_renders_to_allowed_html(source: str, html: str) -> None:
    assert render_markdown(source) == html


def test_links_are_linkified_with_nofollow() -> None:
    html = render_markdown("see https://example.com/page")

    assert '<a href="https://example.com/page" rel="nofollow noopener noreferrer">' in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "![img](https://example.com/a.png)",
    ],
)
def test_dangerous_links_and_images_do_not_survive(source: str) -> None:
    html = render_markdown(source)

    assert "javascript:" not in html or "href" not in html
    assert 'href="data:' not in html
    assert 'href="vbscript:' not in html
    assert "<img" not in html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<script>alert(1)</script>ok", "ok"),
        ('<a href="https://x.test" onclick="evil()">x</a>', 'href="https://x.test"'),
        ('<em style="color:red">x</em>', "<em>x</em>"),
        ("<iframe src=//evil></iframe>", ""),
    ],
)
def test_sanitizer_keeps_only_the_allow_list(dirty: str, clean: str) -> None:
    html = sanitize_html(dirty)

    assert clean in html
    assert "onclick" not in html
    assert "<script" not in html
    assert "style=" not in html
    assert "<iframe" not in html
