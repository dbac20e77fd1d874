//! Helpers shared by the domain's unit tests.

/// Asserts that `actual` lies within `tol` of the hand-computed `expected`.
pub(crate) fn assert_close(actual: f64, expected: f64, tol: f64) {
    assert!(
        (actual - expected).abs() <= tol,
        "expected {expected} ± {tol}, got {actual}"
    );
}
