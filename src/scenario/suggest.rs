//! "Did you mean ...?" for misspelt names.

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(super) fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// A help line: "did you mean `x`?" plus the valid names when there are few.
pub(super) fn did_you_mean<'a>(
    word: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let all: Vec<&str> = candidates.clone().into_iter().collect();
    let listing = if all.is_empty() {
        format!("no {what} is defined")
    } else if all.len() <= 12 {
        format!("the {what}s are: {}", all.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
    } else {
        format!("{} {what}s are defined", all.len())
    };
    match nearest(word, candidates) {
        Some(s) => format!("did you mean `{s}`? ({listing})"),
        None => listing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_not_strangers() {
        let names = ["sarakhs", "farap", "tashkent", "bukhara"];
        assert_eq!(nearest("sarkhs", names), Some("sarakhs"));
        assert_eq!(nearest("Tashkent", names), Some("tashkent"));
        assert_eq!(nearest("zzz", names), None);
        assert!(did_you_mean("farpa", "node", names).starts_with("did you mean `farap`?"));
    }
}
