//! The monthly trend chart as server-side SVG: coordinates are computed here, the template
//! only places them. The 95 % interval is a band around the line; a period without
//! responses is a gap in both; small samples get a hollow point.

use touchpoint_domain::metrics::MetricKind;

pub const WIDTH: f64 = 600.0;
pub const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;

/// `(value, ci_low, ci_high, small_sample)` of one period.
pub type Measured = (f64, f64, f64, bool);

/// One period as the chart needs it.
#[derive(Debug, Clone)]
pub struct ChartPoint {
    pub label: String,
    /// Shown on narrow screens too (every other label is hidden there).
    pub major: bool,
    /// `(value, ci_low, ci_high, small_sample)`; `None` when the period has no responses.
    pub value: Option<Measured>,
    /// Tooltip text.
    pub title: String,
}

#[derive(Debug)]
pub struct Dot {
    pub x: String,
    pub y: String,
    pub small: bool,
    pub title: String,
}

#[derive(Debug)]
pub struct Tick {
    pub pos: String,
    pub label: String,
    pub major: bool,
}

#[derive(Debug)]
pub struct Chart {
    pub view_box: String,
    pub plot_left: String,
    pub plot_right: String,
    /// One closed path per run of consecutive periods with data.
    pub bands: Vec<String>,
    /// One open path per run.
    pub lines: Vec<String>,
    pub dots: Vec<Dot>,
    pub y_ticks: Vec<Tick>,
    pub x_ticks: Vec<Tick>,
    /// The y of the zero line when zero is inside the range (NPS), else empty.
    pub zero_y: String,
}

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

/// The axis range: the intervals with some air, on round steps, inside the metric's scale.
fn y_range(kind: MetricKind, points: &[ChartPoint]) -> (f64, f64, f64) {
    let (scale_min, scale_max) = match kind {
        MetricKind::Nps => (-100.0, 100.0),
        MetricKind::Csat => (0.0, 100.0),
        MetricKind::Ces => (1.0, 7.0),
    };
    let mut low = f64::INFINITY;
    let mut high = f64::NEG_INFINITY;
    for (_, lo, hi, _) in points.iter().filter_map(|p| p.value) {
        low = low.min(lo);
        high = high.max(hi);
    }
    if !low.is_finite() || !high.is_finite() {
        low = scale_min;
        high = scale_max;
    }
    let min_span = (scale_max - scale_min) / 10.0;
    if high - low < min_span {
        let mid = (high + low) / 2.0;
        low = mid - min_span / 2.0;
        high = mid + min_span / 2.0;
    }
    let raw_step = (high - low) / 4.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let low = ((low / step).floor() * step).max(scale_min);
    let high = ((high / step).ceil() * step).min(scale_max);
    (low, high, step)
}

/// `format_tick(value, step)` labels the y axis.
pub fn build(
    kind: MetricKind,
    points: &[ChartPoint],
    format_tick: impl Fn(f64, f64) -> String,
) -> Chart {
    let (y_min, y_max, step) = y_range(kind, points);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (1.0 - (v.clamp(y_min, y_max) - y_min) / (y_max - y_min));
    let slot = plot_w / points.len().max(1) as f64;
    let x = |i: usize| LEFT + slot * (i as f64 + 0.5);

    let mut runs: Vec<Vec<(usize, Measured)>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => current.push((i, v)),
            None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }

    let mut bands = Vec::new();
    let mut lines = Vec::new();
    for run in &runs {
        if let [(i, (_, lo, hi, _))] = run.as_slice() {
            // A lone month: a narrow band so its interval is still visible.
            let (l, r) = (x(*i) - 6.0, x(*i) + 6.0);
            bands.push(format!(
                "M{} {}L{} {}L{} {}L{} {}Z",
                fmt(l),
                fmt(y(*hi)),
                fmt(r),
                fmt(y(*hi)),
                fmt(r),
                fmt(y(*lo)),
                fmt(l),
                fmt(y(*lo))
            ));
            continue;
        }
        let upper = run
            .iter()
            .map(|(i, (_, _, hi, _))| format!("{} {}", fmt(x(*i)), fmt(y(*hi))));
        let lower = run
            .iter()
            .rev()
            .map(|(i, (_, lo, _, _))| format!("{} {}", fmt(x(*i)), fmt(y(*lo))));
        bands.push(format!(
            "M{}Z",
            upper.chain(lower).collect::<Vec<_>>().join("L")
        ));
        let line = run
            .iter()
            .map(|(i, (v, _, _, _))| format!("{} {}", fmt(x(*i)), fmt(y(*v))));
        lines.push(format!("M{}", line.collect::<Vec<_>>().join("L")));
    }

    let dots = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.value.map(|(v, _, _, small)| Dot {
                x: fmt(x(i)),
                y: fmt(y(v)),
                small,
                title: p.title.clone(),
            })
        })
        .collect();

    let mut y_ticks = Vec::new();
    let mut v = y_min;
    while v <= y_max + step / 1000.0 {
        y_ticks.push(Tick {
            pos: fmt(y(v)),
            label: format_tick(v, step),
            major: true,
        });
        v += step;
    }
    let x_ticks = points
        .iter()
        .enumerate()
        .map(|(i, p)| Tick {
            pos: fmt(x(i)),
            label: p.label.clone(),
            major: p.major,
        })
        .collect();
    let zero_y = if y_min < 0.0 && y_max > 0.0 {
        fmt(y(0.0))
    } else {
        String::new()
    };

    Chart {
        view_box: format!("0 0 {WIDTH} {HEIGHT}"),
        plot_left: fmt(LEFT),
        plot_right: fmt(WIDTH - RIGHT),
        bands,
        lines,
        dots,
        y_ticks,
        x_ticks,
        zero_y,
    }
}

pub const SPARK_WIDTH: f64 = 100.0;
pub const SPARK_HEIGHT: f64 = 24.0;

/// A sparkline path (`viewBox 0 0 100 24`) of `values` on the shared range `low..=high`, so
/// rows of one table compare at a glance; gaps split the line.
pub fn sparkline(values: &[Option<f64>], low: f64, high: f64) -> String {
    let span = if high > low { high - low } else { 1.0 };
    let step = SPARK_WIDTH / values.len().max(1) as f64;
    let mut path = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        let Some(v) = value else {
            pen_down = false;
            continue;
        };
        let x = step * (i as f64 + 0.5);
        let y = 2.0 + (SPARK_HEIGHT - 4.0) * (1.0 - (v.clamp(low, high) - low) / span);
        path.push(if pen_down { 'L' } else { 'M' });
        path.push_str(&format!("{} {}", fmt(x), fmt(y)));
        pen_down = true;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(value: Option<f64>) -> ChartPoint {
        ChartPoint {
            label: "x".into(),
            major: true,
            value: value.map(|v| (v, v - 10.0, v + 10.0, false)),
            title: String::new(),
        }
    }

    #[test]
    fn gaps_split_the_line_and_the_band() {
        let points = vec![
            point(Some(10.0)),
            point(Some(20.0)),
            point(None),
            point(Some(30.0)),
            point(Some(25.0)),
        ];
        let chart = build(MetricKind::Nps, &points, |v, _| format!("{v}"));
        assert_eq!(chart.lines.len(), 2);
        assert_eq!(chart.bands.len(), 2);
        assert_eq!(chart.dots.len(), 4);
        assert!(
            chart
                .bands
                .iter()
                .all(|b| b.starts_with('M') && b.ends_with('Z'))
        );
    }

    #[test]
    fn a_lone_month_still_gets_a_band_and_the_axis_stays_in_scale() {
        let points = vec![point(None), point(Some(95.0)), point(None)];
        let chart = build(MetricKind::Csat, &points, |v, _| format!("{v}"));
        assert!(chart.lines.is_empty());
        assert_eq!(chart.bands.len(), 1);
        let labels: Vec<f64> = chart
            .y_ticks
            .iter()
            .map(|t| t.label.parse().expect("number"))
            .collect();
        assert!(
            labels.iter().all(|v| (0.0..=100.0).contains(v)),
            "{labels:?}"
        );
        assert!(chart.zero_y.is_empty());
    }

    #[test]
    fn sparklines_break_at_gaps() {
        let path = sparkline(&[Some(0.0), Some(10.0), None, Some(5.0)], 0.0, 10.0);
        assert_eq!(path, "M12.5 22.0L37.5 2.0M87.5 12.0");
        assert_eq!(sparkline(&[None, None], 0.0, 1.0), "");
    }

    #[test]
    fn no_data_draws_the_whole_scale() {
        let chart = build(MetricKind::Nps, &[point(None), point(None)], |v, _| {
            format!("{v}")
        });
        assert!(chart.bands.is_empty() && chart.dots.is_empty());
        assert_eq!(
            chart.y_ticks.first().map(|t| t.label.as_str()),
            Some("-100")
        );
        assert_eq!(chart.y_ticks.last().map(|t| t.label.as_str()), Some("100"));
        assert!(!chart.zero_y.is_empty());
    }
}
