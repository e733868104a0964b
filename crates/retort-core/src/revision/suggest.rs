//! "Did you mean" suggestions for mistyped revision ids and labels.

/// The candidate closest to `typed`, if one is close enough to be a plausible typo.
pub fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a String>,
) -> Option<String> {
    similar(typed, candidates, 1).into_iter().next()
}

/// Up to `limit` candidates close to `typed`, best first.
pub fn similar<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a String>,
    limit: usize,
) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = candidates
        .into_iter()
        .map(|candidate| (score(typed, candidate), candidate))
        .filter(|(score, _)| *score >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, c)| c.clone())
        .collect()
}

fn score(typed: &str, candidate: &str) -> f64 {
    // A typed id is often a truncated or slightly mistyped prefix of the real one: compare
    // against the candidate cut to the typed length as well as against the whole candidate.
    let cut: String = candidate.chars().take(typed.chars().count()).collect();
    strsim::jaro_winkler(typed, candidate).max(strsim::normalized_levenshtein(typed, &cut))
}
