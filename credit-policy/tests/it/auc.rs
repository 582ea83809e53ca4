//! ROC AUC by rank statistic: known answers.

use ccr_credit_policy::auc::roc_auc;

#[test]
fn perfect_reversed_and_tied() {
    let pos = [false, false, true, true];
    assert_eq!(roc_auc(&[1.0, 2.0, 3.0, 4.0], &pos), Some(1.0));
    assert_eq!(roc_auc(&[4.0, 3.0, 2.0, 1.0], &pos), Some(0.0));
    assert_eq!(roc_auc(&[5.0; 4], &pos), Some(0.5));
}

#[test]
fn ties_count_one_half_against_pair_count() {
    // Brute force over all (positive, negative) pairs.
    let scores = [0.3, 0.1, 0.3, 0.7, 0.5, 0.3, 0.9, 0.1];
    let pos = [true, false, false, true, false, true, false, true];
    let mut wins = 0.0;
    let mut pairs = 0.0;
    for (i, &pi) in pos.iter().enumerate() {
        for (j, &pj) in pos.iter().enumerate() {
            if pi && !pj {
                pairs += 1.0;
                wins += if scores[i] > scores[j] {
                    1.0
                } else if scores[i] == scores[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    assert_eq!(roc_auc(&scores, &pos), Some(wins / pairs));
}

#[test]
fn undefined_without_both_classes() {
    assert_eq!(roc_auc(&[1.0, 2.0], &[true, true]), None);
    assert_eq!(roc_auc(&[1.0, 2.0], &[true]), None);
}
