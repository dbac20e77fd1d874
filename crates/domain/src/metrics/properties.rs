//! Property tests across the metrics module.

use proptest::prelude::*;

use super::*;

fn any_kind() -> impl Strategy<Value = MetricKind> {
    prop_oneof![
        Just(MetricKind::Nps),
        Just(MetricKind::Csat),
        Just(MetricKind::Ces)
    ]
}

fn scores(kind: MetricKind, max_len: usize) -> impl Strategy<Value = Vec<i64>> {
    let (min, max) = kind.scale();
    prop::collection::vec(min..=max, 0..max_len)
}

fn kind_and_scores(max_len: usize) -> impl Strategy<Value = (MetricKind, Vec<i64>)> {
    any_kind().prop_flat_map(move |k| (Just(k), scores(k, max_len)))
}

fn kind_and_three(max_len: usize) -> impl Strategy<Value = (MetricKind, [Vec<i64>; 3])> {
    any_kind().prop_flat_map(move |k| {
        (
            Just(k),
            [scores(k, max_len), scores(k, max_len), scores(k, max_len)],
        )
    })
}

fn hist(kind: MetricKind, scores: &[i64]) -> Histogram {
    Histogram::from_scores(kind, scores.iter().copied()).expect("generated on scale")
}

fn value_range(kind: MetricKind) -> (f64, f64) {
    match kind {
        MetricKind::Nps => (-100.0, 100.0),
        MetricKind::Csat => (0.0, 100.0),
        MetricKind::Ces => (1.0, 7.0),
    }
}

proptest! {
    #[test]
    fn merge_is_commutative_associative_and_matches_concatenation(
        (kind, [x, y, z]) in kind_and_three(60)
    ) {
        let (hx, hy, hz) = (hist(kind, &x), hist(kind, &y), hist(kind, &z));

        let mut xy = hx;
        xy.merge(&hy);
        let mut yx = hy;
        yx.merge(&hx);
        prop_assert_eq!(xy, yx);

        let mut xy_z = xy;
        xy_z.merge(&hz);
        let mut yz = hy;
        yz.merge(&hz);
        let mut x_yz = hx;
        x_yz.merge(&yz);
        prop_assert_eq!(xy_z, x_yz);

        let all: Vec<i64> = x.iter().chain(&y).chain(&z).copied().collect();
        prop_assert_eq!(xy_z, hist(kind, &all));
        prop_assert_eq!(xy_z.n(), all.len() as u64);
    }

    #[test]
    fn n_is_the_number_of_scores_and_the_bucket_sum((kind, s) in kind_and_scores(200)) {
        let h = hist(kind, &s);
        prop_assert_eq!(h.n(), s.len() as u64);
        prop_assert_eq!(h.n(), h.buckets.iter().sum::<u64>());
        if let Some(e) = estimate(kind, &h) {
            prop_assert_eq!(e.n, h.n());
            prop_assert_eq!(e.small_sample, e.n < SMALL_SAMPLE);
        } else {
            prop_assert!(s.is_empty());
        }
    }

    #[test]
    fn value_lies_in_its_interval_and_the_interval_in_the_range(
        (kind, s) in kind_and_scores(200)
    ) {
        let Some(e) = estimate(kind, &hist(kind, &s)) else { return Ok(()); };
        let (min, max) = value_range(kind);
        let (lo, hi) = e.ci95;
        prop_assert!(min <= lo && lo <= e.value && e.value <= hi && hi <= max, "{e:?}");
        prop_assert!(e.value.is_finite() && lo.is_finite() && hi.is_finite());
    }

    #[test]
    fn nps_equals_the_direct_formula_on_raw_scores(s in scores(MetricKind::Nps, 300)) {
        let Some(e) = estimate(MetricKind::Nps, &hist(MetricKind::Nps, &s)) else {
            prop_assert!(s.is_empty());
            return Ok(());
        };
        let promoters = s.iter().filter(|&&x| x >= 9).count() as f64;
        let detractors = s.iter().filter(|&&x| x <= 6).count() as f64;
        let direct = 100.0 * (promoters - detractors) / s.len() as f64;
        prop_assert!((e.value - direct).abs() < 1e-9, "{} vs {}", e.value, direct);
    }

    #[test]
    fn csat_and_ces_match_the_direct_definitions(
        c in scores(MetricKind::Csat, 200),
        s in scores(MetricKind::Ces, 200),
    ) {
        if let Some(e) = estimate(MetricKind::Csat, &hist(MetricKind::Csat, &c)) {
            let top2 = c.iter().filter(|&&x| x >= 4).count() as f64;
            prop_assert!((e.value - 100.0 * top2 / c.len() as f64).abs() < 1e-9);
        }
        if let Some(e) = estimate(MetricKind::Ces, &hist(MetricKind::Ces, &s)) {
            let mean = s.iter().sum::<i64>() as f64 / s.len() as f64;
            prop_assert!((e.value - mean).abs() < 1e-9);
        }
    }

    #[test]
    fn scaling_every_count_keeps_the_value_and_never_widens_the_interval(
        (kind, s) in kind_and_scores(100),
        k in 2u64..50,
    ) {
        let h = hist(kind, &s);
        let mut scaled = h;
        for b in &mut scaled.buckets {
            *b *= k;
        }
        let (Some(e1), Some(ek)) = (estimate(kind, &h), estimate(kind, &scaled)) else {
            prop_assert!(s.is_empty());
            return Ok(());
        };
        prop_assert_eq!(ek.n, k * e1.n);
        prop_assert!((ek.value - e1.value).abs() < 1e-9);
        let w1 = e1.ci95.1 - e1.ci95.0;
        let wk = ek.ci95.1 - ek.ci95.0;
        prop_assert!(wk <= w1 + 1e-9, "width {wk} after ×{k} vs {w1}");
    }

    #[test]
    fn comparing_a_histogram_with_itself_finds_nothing((kind, s) in kind_and_scores(200)) {
        let h = hist(kind, &s);
        if let Some(c) = compare(kind, &h, &h) {
            prop_assert_eq!(c.difference, 0.0);
            prop_assert_eq!(c.statistic, 0.0);
            prop_assert!((c.p_value - 1.0).abs() < 1e-12);
            prop_assert!(!c.significant);
            prop_assert!(c.ci95.0 <= 0.0 && 0.0 <= c.ci95.1);
        }
    }

    #[test]
    fn comparison_is_antisymmetric_and_its_interval_holds_the_difference(
        (kind, [x, y, _]) in kind_and_three(120)
    ) {
        let (a, b) = (hist(kind, &x), hist(kind, &y));
        let (Some(ab), Some(ba)) = (compare(kind, &a, &b), compare(kind, &b, &a)) else {
            prop_assert_eq!(compare(kind, &a, &b), None);
            prop_assert_eq!(compare(kind, &b, &a), None);
            return Ok(());
        };
        prop_assert!((ab.difference + ba.difference).abs() < 1e-9);
        prop_assert!((ab.statistic + ba.statistic).abs() < 1e-9);
        prop_assert!((ab.p_value - ba.p_value).abs() < 1e-9);
        prop_assert!(ab.p_value.is_finite() && (0.0..=1.0).contains(&ab.p_value));
        prop_assert!(ab.ci95.0 <= ab.difference && ab.difference <= ab.ci95.1, "{ab:?}");
        prop_assert_eq!(ab.significant, ab.p_value < 0.05);
        // The difference is exactly the difference of the two estimates.
        if let (Some(ea), Some(eb)) = (estimate(kind, &a), estimate(kind, &b)) {
            prop_assert!((ab.difference - (eb.value - ea.value)).abs() < 1e-9);
        }
    }
}
