//! The few distribution functions the metrics need, all two-sided at 95 %.

use statrs::distribution::{ContinuousCDF, StudentsT};
use statrs::function::erf::erfc;

/// The normal 97.5 % quantile, rounded to 1.96 as DESIGN.md specifies (not 1.959964…), so the
/// numbers on screen can be recomputed by hand.
pub(crate) const Z95: f64 = 1.96;

/// Two-sided p-value of a standard-normal statistic: P(|Z| ≥ |z|).
pub(crate) fn normal_p_two_sided(z: f64) -> f64 {
    // erfc keeps full relative precision in the tail, where 2·(1 − Φ(|z|)) would cancel to 0.
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The exact normal 97.5 % quantile, the limit of the t quantiles.
const Z975_EXACT: f64 = 1.959_963_984_540_054;

/// Above this many degrees of freedom the t quantile comes from its Cornish–Fisher expansion.
const T_EXPANSION_DF: f64 = 500.0;

/// The Student t 97.5 % quantile with `df` degrees of freedom (`df` may be fractional, as
/// Welch–Satterthwaite produces). `None` unless `df` is positive and not NaN; infinite `df`
/// gives the normal quantile.
///
/// statrs' `inverse_cdf` is accurate to ~1e-12 for small and moderate `df` but loses digits as
/// `df` grows (1e-4 off at df = 1e6, badly wrong at 1e7), which a large CES sample reaches. For
/// `df ≥ 500` the four-term Cornish–Fisher expansion around the normal quantile is used instead;
/// its error there is below 1e-13 and shrinks as `df`⁻⁵.
pub(crate) fn t975(df: f64) -> Option<f64> {
    if df.is_nan() || df <= 0.0 {
        return None;
    }
    if df >= T_EXPANSION_DF {
        return Some(t975_expansion(df));
    }
    students_t(df).map(|t| t.inverse_cdf(0.975))
}

/// Abramowitz & Stegun 26.7.5 (Fisher's expansion), terms to `df`⁻⁴.
fn t975_expansion(df: f64) -> f64 {
    let z = Z975_EXACT;
    let z2 = z * z;
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    let v = 1.0 / df;
    z + v * (g1 + v * (g2 + v * (g3 + v * g4)))
}

/// Above this many degrees of freedom the t p-value is taken from the normal distribution.
const T_NORMAL_DF: f64 = 1e8;

/// Two-sided p-value of a t statistic: P(|T| ≥ |t|). `None` unless `df` is positive and not
/// NaN.
///
/// statrs' incomplete beta drifts for enormous `df` (5e-8 off at df = 1e9, 1e-4 at 1e12), while
/// the normal's own error shrinks as 1/df (3e-9 at 1e8), so beyond 1e8 the normal is used.
pub(crate) fn t_p_two_sided(t: f64, df: f64) -> Option<f64> {
    if df.is_nan() || df <= 0.0 {
        return None;
    }
    if df > T_NORMAL_DF {
        return Some(normal_p_two_sided(t));
    }
    students_t(df).map(|d| (2.0 * d.sf(t.abs())).min(1.0))
}

fn students_t(df: f64) -> Option<StudentsT> {
    StudentsT::new(0.0, 1.0, df).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::assert_close;

    #[test]
    fn t_quantiles_match_references_across_df() {
        // References: root of the regularized incomplete beta at 40 digits (mpmath).
        for (df, q) in [
            (1.0, 12.706_204_736_174_705),
            (4.0, 2.776_445_105_197_794),
            (29.0, 2.045_229_642_132_704),
            (72.0 / 13.0, 2.497_200_449_399_671), // the Welch df in compare's CES test
            (100.0, 1.983_971_518_523_552),
            (499.9, 1.964_720_791_095_326), // either side of the switch to the expansion
            (500.0, 1.964_719_837_467_368),
            (1000.0, 1.962_339_080_826_409),
            (1e6, 1.959_966_356_814_107),
            (1e9, 1.959_963_986_912_326),
        ] {
            let got = t975(df).expect("valid df");
            assert!((got - q).abs() <= 1e-11 * q, "df {df}: {got} vs {q}");
        }
        assert_eq!(t975(f64::INFINITY), Some(Z975_EXACT));
        assert_eq!(t975(0.0), None);
        assert_eq!(t975(-3.0), None);
        assert_eq!(t975(f64::NAN), None);
    }

    #[test]
    fn normal_p_values() {
        // erfc(1.96/√2) = 0.04999579029644087; statrs' erfc is good to ~5e-11 here.
        assert_close(normal_p_two_sided(1.96), 0.049_995_790_296_440_87, 1e-9);
        assert_close(normal_p_two_sided(-1.96), 0.049_995_790_296_440_87, 1e-9);
        assert_eq!(normal_p_two_sided(0.0), 1.0);
        // The far tail is still positive, not cancelled to zero.
        assert!(normal_p_two_sided(20.0) > 0.0);
    }

    #[test]
    fn t_p_values_match_references_across_df() {
        for (df, p) in [
            (3.0, 0.139_325_968_558_843_2),
            (100.0, 0.048_212_178_731_133_68),
            (1e6, 0.045_500_533_851_319_21),
            (1e8, 0.045_500_266_595_906_75),
            (1e9, 0.045_500_264_166_313_25),
            (1e12, 0.045_500_263_896_628_37),
            (f64::INFINITY, 0.045_500_263_896_358_41),
        ] {
            let got = t_p_two_sided(2.0, df).expect("valid df");
            assert_close(got, p, 5e-9);
            assert_close(t_p_two_sided(-2.0, df).expect("valid df"), got, 1e-15);
        }
        // Far tail: P(|T| ≥ 8) with 50 df = 1.6633e-10.
        let tail = t_p_two_sided(8.0, 50.0).expect("valid df");
        assert!(
            (tail / 1.663_296_602_832_138e-10 - 1.0).abs() < 1e-6,
            "{tail}"
        );
        let q = t975(4.0).expect("valid df");
        assert_close(t_p_two_sided(q, 4.0).expect("valid df"), 0.05, 1e-12);
        assert_eq!(t_p_two_sided(0.0, 3.0), Some(1.0));
        assert_eq!(t_p_two_sided(1.0, 0.0), None);
    }
}
