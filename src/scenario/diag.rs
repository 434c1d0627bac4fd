//! Problems found in a scenario file, each pinned to a place in it.

use std::fmt::Write as _;
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range in the file the problem points at.
    pub span: Range<usize>,
    /// Dotted path of the field, like `legs.tm_rail.transit.min`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A problem at `span` in field `path`.
    pub fn new(span: Range<usize>, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { span, path: path.into(), message: message.into(), help: None }
    }

    /// Adds a hint.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `s` with control characters (other than line breaks and tabs) written as escapes, so that
/// a name or value from a file can never move the cursor, recolour or clear the terminal it is
/// printed on (a scenario may name a node `"\u001b[2J"`).
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(
                |c| {
                    if c.is_control() && c != '\n' && c != '\t' {
                        c.escape_default().to_string()
                    } else {
                        c.to_string()
                    }
                },
            )
            .collect(),
    )
}

/// Renders problems the way compilers do: `error: ...`, then `--> file:line:col`, the line
/// with the span underlined and labelled with the field path, and a help line. Spans are
/// global offsets into `sources`; each is shown in the file it falls in. Text from files
/// is shown [`printable`].
pub fn render(sources: &super::Sources, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut out = render_each(sources, diagnostics, color, Level::ERROR);
    let n = diagnostics.len();
    let main = sources.main_label();
    let _ = write!(out, "{main}: {n} problem{} found; nothing was run or written", if n == 1 { "" } else { "s" });
    out
}

/// Renders notes on a valid scenario as [`render`] renders problems, headed `note:`.
pub(crate) fn render_notes(sources: &super::Sources, notes: &[Diagnostic]) -> String {
    render_each(sources, notes, false, Level::NOTE)
}

fn render_each(sources: &super::Sources, diagnostics: &[Diagnostic], color: bool, level: Level<'_>) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for d in diagnostics {
        let Some((file, local)) = sources.locate(d.span.start) else { continue };
        let (source, path) = (file.text.as_str(), file.label.as_str());
        let len = d.span.end.saturating_sub(d.span.start);
        let mut span = clamp(source, local..local + len);
        if span.is_empty() && span.end < source.len() {
            // Point at one character so the caret is visible.
            let next = source[span.start..].chars().next().map_or(1, char::len_utf8);
            span = span.start..span.start + next;
        }
        let label = if d.path.is_empty() { String::new() } else { format!("in `{}`", printable(&d.path)) };
        let message = printable(&d.message);
        let title = level
            .clone()
            .primary_title(message.as_ref())
            .element(Snippet::source(source).path(path).annotation(AnnotationKind::Primary.span(span).label(&label)));
        let help = d.help.as_deref().map(printable);
        let rendered = match &help {
            Some(h) => renderer.render(&[title, Group::with_title(Level::HELP.secondary_title(h.as_ref()))]),
            None => renderer.render(&[title]),
        };
        let _ = writeln!(out, "{rendered}\n");
    }
    out
}

fn clamp(source: &str, r: Range<usize>) -> Range<usize> {
    let end = floor_char_boundary(source, r.end.min(source.len()));
    let start = floor_char_boundary(source, r.start.min(end));
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let src = "a = 1\nnäme = \"x\"\n";
        assert_eq!(line_col(src, 0), (1, 1));
        let at = src.find('=').unwrap();
        assert_eq!(line_col(src, at), (1, 3));
        let second = src.rfind('=').unwrap();
        assert_eq!(line_col(src, second), (2, 6));
    }

    #[test]
    fn rendering_names_file_line_column_and_field() {
        let src = "[legs.a]\ntransit = { dist = \"triangular\", min = \"40h\", mode = \"35h\", max = \"30h\" }\n";
        let start = src.find('{').unwrap();
        let d = Diagnostic::new(start..start + 5, "legs.a.transit", "triangular needs min <= mode <= max")
            .help("swap the values");
        let text = render(&crate::scenario::Sources::single("bad.toml", src), &[d], false);
        assert!(text.contains("bad.toml:2:11"), "{text}");
        assert!(text.contains("in `legs.a.transit`"), "{text}");
        assert!(text.contains("triangular needs min <= mode <= max"), "{text}");
        assert!(text.contains("help: swap the values"), "{text}");
        assert!(text.ends_with("1 problem found; nothing was run or written"), "{text}");
    }

    #[test]
    fn control_characters_from_a_file_are_printed_as_escapes() {
        let src = "[nodes.a]\n";
        let d = Diagnostic::new(1..6, "nodes.\u{1b}[2J", "unknown node `\u{1b}[31mred\u{7}`").help("try `\u{0}`");
        let text = render(&crate::scenario::Sources::single("bad.toml", src), &[d], false);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(text.contains("\\u{1b}[31mred\\u{7}") && text.contains("\\u{0}"), "{text}");
        assert_eq!(printable("plain\tline\n"), "plain\tline\n");
    }
}
