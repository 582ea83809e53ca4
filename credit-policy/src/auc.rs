//! ROC AUC by the rank statistic (Mann-Whitney U), exact, ties counted one half.

/// The probability that a randomly drawn positive scores above a randomly drawn negative,
/// ties counting one half: `(R₊ - n₊(n₊+1)/2) / (n₊·n₋)` with `R₊` the sum of the positives'
/// mid-ranks. `None` when either class is absent or the lengths differ.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    if scores.len() != positive.len() {
        return None;
    }
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Twice the rank sum, so that mid-ranks of ties stay integers.
    let mut twice_rank_sum: u128 = 0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j+1 share the mid-rank (i + j + 2) / 2.
        let twice_mid = (i + j + 2) as u128;
        let pos_in_group = order[i..=j].iter().filter(|&&k| positive[k]).count() as u128;
        twice_rank_sum += twice_mid * pos_in_group;
        i = j + 1;
    }
    let (np, nn) = (n_pos as u128, n_neg as u128);
    let twice_u = twice_rank_sum - np * (np + 1);
    Some(twice_u as f64 / (2 * np * nn) as f64)
}
