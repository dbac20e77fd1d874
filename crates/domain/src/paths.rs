//! Journey paths: which sequences of touchpoints customers actually take through a journey,
//! where they drop off between its stages, and how their score differs by path — including the
//! repeat-contact comparison ("NPS of customers who needed two hotline calls before reaching
//! usage, against those who needed none"). No IO: the caller streams in each customer's visits
//! in time order and then their metric answers.
//!
//! Definitions (docs/JOURNEYS.md "Paths" repeats them for users):
//!
//! - A **visit** is one interaction event of the customer at one of the journey's touchpoints in
//!   the period. Touchpoints are given by index; [`Shape`] maps each to its stage's index.
//! - A customer's **path** is the sequence of touchpoints they visited, in time order, with
//!   consecutive visits to the same touchpoint collapsed into one **step** that remembers how
//!   many visits it stands for (hotline, hotline, shop is the path hotline → shop, the hotline
//!   step with two visits). Only the first [`MAX_PATH_STEPS`] steps form the path; longer paths
//!   are marked `truncated` (and grouped with the other truncated paths of the same start).
//! - A path's **share** is its customers over all customers with a path, with the Wilson 95 %
//!   interval, the same interval CSAT uses.
//! - **Funnel**: a customer *reached stage k* when they visited any touchpoint of stage k *or of
//!   a later stage* (their furthest stage is at least k) — so a customer entering at a later
//!   stage counts as having reached the earlier ones, and the counts can only fall from stage to
//!   stage. Separately, `visited` counts the customers with a visit in stage k itself. Of those
//!   who reached k, the ones who also reached k + 1 *continued*; the rest *dropped off*, a share
//!   with its Wilson interval.
//! - **Metric by path**: every answer of the chosen metric the caller feeds in for a customer
//!   counts for the customer's path (answers, not customers, are the sample — as everywhere
//!   else). Each path's score is compared with the score of all other customers with a path,
//!   with the two-sample test of [`crate::metrics::compare`].
//! - **Repeat contacts**: for a touchpoint T and a stage S (T not in S), customers who reached S
//!   — visited a touchpoint of S itself — are grouped by how many visits to T they had before
//!   their first visit in S: 0, 1, 2, 3 or more. Customers who never visited S in the period
//!   form their own group, "not reached". Each group's score is compared with the 0 group's.

use crate::metrics::{Comparison, Estimate, Histogram, MetricKind, compare, estimate, wilson};
use std::collections::HashMap;
use std::hash::Hash;

/// Steps beyond this many are cut off a path (which is then `truncated`).
pub const MAX_PATH_STEPS: usize = 20;
/// Top paths shown when the caller does not say.
pub const DEFAULT_TOP: usize = 10;
/// The most top paths one may ask for.
pub const MAX_TOP: usize = 100;
/// Repeat-contact groups: 0, 1, 2 and "3 or more" contacts.
pub const REPEAT_GROUPS: usize = 4;

/// The journey as paths see it: the stage index of every touchpoint index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    stages: usize,
    stage_of: Vec<usize>,
}

impl Shape {
    /// `stage_of[t]` is the stage of touchpoint `t`; `None` when one names no stage below
    /// `stages`.
    pub fn new(stages: usize, stage_of: Vec<usize>) -> Option<Shape> {
        stage_of
            .iter()
            .all(|&s| s < stages)
            .then_some(Shape { stages, stage_of })
    }

    pub fn stages(&self) -> usize {
        self.stages
    }

    pub fn touchpoints(&self) -> usize {
        self.stage_of.len()
    }

    pub fn stage_of(&self, touchpoint: usize) -> Option<usize> {
        self.stage_of.get(touchpoint).copied()
    }
}

/// The repeat-contact question: visits to `touchpoint` before first reaching `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatQuery {
    pub touchpoint: usize,
    pub stage: usize,
}

/// A share `count / of` (0..1) with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub count: u64,
    pub of: u64,
    pub value: f64,
    pub ci95: (f64, f64),
}

impl Share {
    /// `None` when `of` is zero (or `count` exceeds it).
    pub fn of(count: u64, of: u64) -> Option<Share> {
        if of == 0 || count > of {
            return None;
        }
        let value = count as f64 / of as f64;
        let (lo, hi) = wilson(value, of as f64);
        // As for CSAT: pin the interval so it always contains the share itself.
        Some(Share {
            count,
            of,
            value,
            ci95: (lo.min(value), hi.max(value)),
        })
    }
}

/// One step of a path: a touchpoint and the visits it stands for, over all the path's customers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub touchpoint: usize,
    pub stage: usize,
    pub visits: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathRow {
    pub steps: Vec<Step>,
    pub truncated: bool,
    pub customers: u64,
    /// Of all customers with a path.
    pub share: Share,
    /// The answers of this path's customers.
    pub metric: Option<Estimate>,
    /// This path against every other customer with a path (difference = this − rest).
    pub versus_rest: Option<Comparison>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStage {
    pub stage: usize,
    /// Customers whose furthest stage is this one or a later one.
    pub reached: u64,
    /// Customers with a visit in this stage itself.
    pub visited: u64,
    /// Of those who reached this stage, how many reached a later one (`None` for the last).
    pub continued: Option<u64>,
    /// `reached − continued` over `reached` (`None` for the last stage or when nobody reached it).
    pub drop_off: Option<Share>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RepeatGroup {
    /// 0, 1, 2, or 3 meaning "3 or more".
    pub contacts: usize,
    pub customers: u64,
    pub metric: Option<Estimate>,
    /// Against the group with no contacts (difference = this − none); `None` for that group.
    pub versus_none: Option<Comparison>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RepeatReport {
    pub query: RepeatQuery,
    /// Groups for 0, 1, 2 and 3+ contacts, in that order (empty groups included).
    pub groups: Vec<RepeatGroup>,
    /// Customers with a path who never visited the stage in the period.
    pub not_reached: u64,
    pub not_reached_metric: Option<Estimate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PathsReport {
    pub kind: MetricKind,
    /// Customers with at least one visit.
    pub customers: u64,
    /// Visits counted (events at the journey's touchpoints).
    pub visits: u64,
    pub distinct_paths: u64,
    /// The most common paths, most customers first (ties: by touchpoint order).
    pub top: Vec<PathRow>,
    /// Customers on paths not in `top`.
    pub other_customers: u64,
    pub funnel: Vec<FunnelStage>,
    /// Every answer of customers with a path.
    pub overall: Option<Estimate>,
    pub repeat: Option<RepeatReport>,
}

#[derive(Debug, Clone)]
struct PathTally {
    steps: Vec<usize>,
    truncated: bool,
    visits: Vec<u64>,
    customers: u64,
    histogram: Histogram,
}

#[derive(Debug, Clone, Copy)]
struct Member {
    path: usize,
    /// The repeat group (0..4), or `REPEAT_GROUPS` for "not reached"; `None` without a query.
    group: Option<usize>,
}

/// Collects customers' visits and answers, then [`PathsBuilder::finish`]es into a report.
/// Memory: one entry per customer plus one per distinct path (of at most [`MAX_PATH_STEPS`]
/// steps) — the visits themselves are not kept.
#[derive(Debug, Clone)]
pub struct PathsBuilder<C> {
    shape: Shape,
    kind: MetricKind,
    repeat: Option<RepeatQuery>,
    index: HashMap<(Vec<usize>, bool), usize>,
    paths: Vec<PathTally>,
    members: HashMap<C, Member>,
    /// Customers by furthest stage.
    furthest: Vec<u64>,
    visited: Vec<u64>,
    visits: u64,
    /// 0, 1, 2, 3+ and "not reached".
    groups: [(u64, Histogram); REPEAT_GROUPS + 1],
    overall: Histogram,
}

impl<C: Eq + Hash> PathsBuilder<C> {
    /// `repeat`, when given, must name a touchpoint and stage of `shape` (else it is ignored).
    pub fn new(shape: Shape, kind: MetricKind, repeat: Option<RepeatQuery>) -> Self {
        let repeat =
            repeat.filter(|q| q.touchpoint < shape.touchpoints() && q.stage < shape.stages);
        let stages = shape.stages;
        PathsBuilder {
            shape,
            kind,
            repeat,
            index: HashMap::new(),
            paths: Vec::new(),
            members: HashMap::new(),
            furthest: vec![0; stages],
            visited: vec![0; stages],
            visits: 0,
            groups: Default::default(),
            overall: Histogram::default(),
        }
    }

    /// One customer's visits (touchpoint indices) in time order. Indices outside the shape are
    /// skipped; a customer without visits, or seen before, changes nothing.
    pub fn add_customer(&mut self, customer: C, visits: &[usize]) {
        if self.members.contains_key(&customer) {
            return;
        }
        let mut steps: Vec<usize> = Vec::new();
        let mut step_visits: Vec<u64> = Vec::new();
        let mut truncated = false;
        let mut furthest: Option<usize> = None;
        let mut in_stage = vec![false; self.shape.stages];
        let mut contacts = 0usize;
        let mut reached_target = false;
        let mut counted = 0u64;
        for &touchpoint in visits {
            let Some(stage) = self.shape.stage_of(touchpoint) else {
                continue;
            };
            counted += 1;
            furthest = Some(furthest.map_or(stage, |f| f.max(stage)));
            in_stage[stage] = true;
            if let Some(q) = self.repeat
                && !reached_target
            {
                if stage == q.stage {
                    reached_target = true;
                } else if touchpoint == q.touchpoint {
                    contacts += 1;
                }
            }
            match (steps.last(), step_visits.last_mut()) {
                (Some(&last), Some(n)) if last == touchpoint => *n += 1,
                _ if steps.len() == MAX_PATH_STEPS => truncated = true,
                _ => {
                    steps.push(touchpoint);
                    step_visits.push(1);
                }
            }
        }
        let Some(furthest) = furthest else {
            return;
        };
        self.visits += counted;
        self.furthest[furthest] += 1;
        for (total, here) in self.visited.iter_mut().zip(in_stage) {
            *total += u64::from(here);
        }
        let key = (steps, truncated);
        let path = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.paths.len();
                self.paths.push(PathTally {
                    steps: key.0.clone(),
                    truncated,
                    visits: vec![0; key.0.len()],
                    customers: 0,
                    histogram: Histogram::default(),
                });
                self.index.insert(key, i);
                i
            }
        };
        if let Some(tally) = self.paths.get_mut(path) {
            tally.customers += 1;
            for (total, n) in tally.visits.iter_mut().zip(step_visits) {
                *total += n;
            }
        }
        let group = self.repeat.map(|_| {
            if reached_target {
                contacts.min(REPEAT_GROUPS - 1)
            } else {
                REPEAT_GROUPS
            }
        });
        if let Some((n, _)) = group.and_then(|g| self.groups.get_mut(g)) {
            *n += 1;
        }
        self.members.insert(customer, Member { path, group });
    }

    /// One answer of the metric by `customer`. Answers of customers without a path, and scores
    /// off the metric's scale, are ignored.
    pub fn add_score(&mut self, customer: &C, score: i64) {
        let Some(member) = self.members.get(customer).copied() else {
            return;
        };
        if self.overall.add(self.kind, score).is_err() {
            return;
        }
        if let Some(tally) = self.paths.get_mut(member.path) {
            let _ = tally.histogram.add(self.kind, score);
        }
        if let Some((_, h)) = member.group.and_then(|g| self.groups.get_mut(g)) {
            let _ = h.add(self.kind, score);
        }
    }

    /// The report with the `top` most common paths.
    pub fn finish(self, top: usize) -> PathsReport {
        let kind = self.kind;
        let customers = self.members.len() as u64;
        let distinct_paths = self.paths.len() as u64;
        let mut paths = self.paths;
        paths.sort_by(|a, b| {
            b.customers
                .cmp(&a.customers)
                .then_with(|| a.steps.cmp(&b.steps))
                .then_with(|| a.truncated.cmp(&b.truncated))
        });
        let other_customers = paths.iter().skip(top).map(|p| p.customers).sum();
        let overall = self.overall;
        let shape = &self.shape;
        let rows = paths
            .into_iter()
            .take(top)
            .filter_map(|p| {
                let share = Share::of(p.customers, customers)?;
                let mut rest = overall;
                rest.subtract(&p.histogram);
                Some(PathRow {
                    steps: p
                        .steps
                        .iter()
                        .zip(&p.visits)
                        .map(|(&touchpoint, &visits)| Step {
                            touchpoint,
                            stage: shape.stage_of(touchpoint).unwrap_or_default(),
                            visits,
                        })
                        .collect(),
                    truncated: p.truncated,
                    customers: p.customers,
                    share,
                    metric: estimate(kind, &p.histogram),
                    versus_rest: compare(kind, &rest, &p.histogram),
                })
            })
            .collect();
        let stages = shape.stages;
        let mut reached = vec![0u64; stages + 1];
        for k in (0..stages).rev() {
            reached[k] = reached[k + 1] + self.furthest[k];
        }
        let funnel = (0..stages)
            .map(|k| {
                let continued = (k + 1 < stages).then(|| reached[k + 1]);
                FunnelStage {
                    stage: k,
                    reached: reached[k],
                    visited: self.visited[k],
                    continued,
                    drop_off: continued.and_then(|c| Share::of(reached[k] - c, reached[k])),
                }
            })
            .collect();
        let repeat = self.repeat.map(|query| {
            let none = self.groups[0].1;
            RepeatReport {
                query,
                groups: self.groups[..REPEAT_GROUPS]
                    .iter()
                    .enumerate()
                    .map(|(contacts, (n, h))| RepeatGroup {
                        contacts,
                        customers: *n,
                        metric: estimate(kind, h),
                        versus_none: (contacts > 0).then(|| compare(kind, &none, h)).flatten(),
                    })
                    .collect(),
                not_reached: self.groups[REPEAT_GROUPS].0,
                not_reached_metric: estimate(kind, &self.groups[REPEAT_GROUPS].1),
            }
        });
        PathsReport {
            kind,
            customers,
            visits: self.visits,
            distinct_paths,
            top: rows,
            other_customers,
            funnel,
            overall: estimate(kind, &overall),
            repeat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::test_support::assert_close;

    // Stages: 0 purchase (shop = 0), 1 provisioning (install = 1, hotline = 2), 2 usage (app = 3).
    const SHOP: usize = 0;
    const INSTALL: usize = 1;
    const HOTLINE: usize = 2;
    const APP: usize = 3;

    fn telco() -> Shape {
        Shape::new(3, vec![0, 1, 1, 2]).expect("valid shape")
    }

    fn example() -> PathsReport {
        let mut b = PathsBuilder::new(
            telco(),
            MetricKind::Nps,
            Some(RepeatQuery {
                touchpoint: HOTLINE,
                stage: 2,
            }),
        );
        b.add_customer("c1", &[SHOP, INSTALL, APP]);
        b.add_customer("c2", &[SHOP, INSTALL, INSTALL, APP]);
        b.add_customer("c3", &[SHOP, HOTLINE, HOTLINE, INSTALL, APP]);
        b.add_customer("c4", &[SHOP, HOTLINE, INSTALL]);
        b.add_customer("c5", &[APP]);
        b.add_customer("c6", &[SHOP]);
        b.add_customer("nobody", &[]);
        b.add_customer("c1", &[APP]); // seen before: ignored
        for (c, s) in [
            ("c1", 10),
            ("c2", 9),
            ("c3", 0),
            ("c3", 3),
            ("c5", 8),
            ("c4", 6),
            ("c9", 10), // no path: ignored
            ("c1", 11), // off the scale: ignored
        ] {
            b.add_score(&c, s);
        }
        b.finish(2)
    }

    #[test]
    fn paths_collapse_repeats_and_rank_by_customers() {
        let r = example();
        assert_eq!(r.customers, 6);
        assert_eq!(r.visits, 3 + 4 + 5 + 3 + 1 + 1);
        assert_eq!(r.distinct_paths, 5);
        assert_eq!(r.top.len(), 2);
        let first = &r.top[0];
        // c1 and c2 share shop → install → app; c2's two install visits are one step.
        let steps: Vec<(usize, usize, u64)> = first
            .steps
            .iter()
            .map(|s| (s.touchpoint, s.stage, s.visits))
            .collect();
        assert_eq!(steps, [(SHOP, 0, 2), (INSTALL, 1, 3), (APP, 2, 2)]);
        assert_eq!(first.customers, 2);
        assert!(!first.truncated);
        // Share 2/6 with the Wilson interval: z² = 3.8416, denominator 1 + z²/6 = 1.6402667,
        // centre (1/3 + z²/12)/1.6402667 = 0.3983905,
        // half 1.96/1.6402667 · √(1/3·2/3/6 + z²/144) = 1.1949272 · 0.2524179 = 0.3016212.
        assert_close(first.share.value, 1.0 / 3.0, 1e-12);
        assert_close(first.share.ci95.0, 0.096_769_3, 1e-6);
        assert_close(first.share.ci95.1, 0.700_011_7, 1e-6);
        // Paths of one customer each tie; they are ordered by their touchpoint indices, so shop
        // alone comes first.
        let second: Vec<usize> = r.top[1].steps.iter().map(|s| s.touchpoint).collect();
        assert_eq!(second, [SHOP]);
        assert_eq!(r.other_customers, 3);
        // NPS of c1 and c2: 10 and 9, two promoters: 100, n = 2.
        let m = first.metric.as_ref().expect("answers");
        assert_eq!((m.value, m.n), (100.0, 2));
        // Against the rest (0, 3, 8, 6: NPS −75, n 4): +175.
        let c = first.versus_rest.as_ref().expect("testable");
        assert_close(c.difference, 175.0, 1e-9);
        assert!(c.significant);
        // c6 on the second path has no answers.
        assert_eq!(r.top[1].metric, None);
        // Overall: 10, 9, 0, 3, 8, 6: 2 promoters, 3 detractors of 6.
        let o = r.overall.as_ref().expect("answers");
        assert_close(o.value, -100.0 / 6.0, 1e-9);
        assert_eq!(o.n, 6);
    }

    #[test]
    fn funnel_counts_reaching_a_stage_or_a_later_one() {
        let r = example();
        let reached: Vec<u64> = r.funnel.iter().map(|f| f.reached).collect();
        let visited: Vec<u64> = r.funnel.iter().map(|f| f.visited).collect();
        // Furthest stages: c1 2, c2 2, c3 2, c4 1, c5 2 (entered at usage), c6 0.
        assert_eq!(reached, [6, 5, 4]);
        assert_eq!(visited, [5, 4, 4]);
        assert_eq!(r.funnel[0].continued, Some(5));
        assert_eq!(r.funnel[2].continued, None);
        assert_eq!(r.funnel[2].drop_off, None);
        // Drop-off after purchase: 1 of 6. Wilson: centre (1/6 + 0.3201333)/1.6402667 = 0.2967810,
        // half 1.1949272 · √(1/6·5/6/6 + 0.0266778) = 1.1949272 · 0.2232172 = 0.2667284.
        let d = r.funnel[0].drop_off.expect("reached");
        assert_eq!((d.count, d.of), (1, 6));
        assert_close(d.value, 1.0 / 6.0, 1e-12);
        assert_close(d.ci95.0, 0.030_052_6, 1e-6);
        assert_close(d.ci95.1, 0.563_509_4, 1e-6);
        let d = r.funnel[1].drop_off.expect("reached");
        assert_eq!((d.count, d.of), (1, 5));
    }

    #[test]
    fn repeat_contacts_group_customers_by_visits_before_the_stage() {
        let r = example();
        let repeat = r.repeat.as_ref().expect("asked for");
        let counts: Vec<(usize, u64)> = repeat
            .groups
            .iter()
            .map(|g| (g.contacts, g.customers))
            .collect();
        // c1, c2, c5 reached usage without the hotline; c3 called twice first; c4 and c6 never
        // reached usage.
        assert_eq!(counts, [(0, 3), (1, 0), (2, 1), (3, 0)]);
        assert_eq!(repeat.not_reached, 2);
        let none = repeat.groups[0].metric.as_ref().expect("answers");
        // 10, 9, 8: two promoters, a passive: NPS 66.67.
        assert_close(none.value, 200.0 / 3.0, 1e-9);
        assert!(repeat.groups[0].versus_none.is_none());
        let two = repeat.groups[2].metric.as_ref().expect("answers");
        assert_eq!((two.value, two.n), (-100.0, 2));
        // Difference −166.67; SE = 100·√((2/3 − 1/9)·… ) — unit variances 2/9 and 0:
        // SE = 100·√(2/9/3) = 27.2166, z = −6.1237, significant.
        let c = repeat.groups[2].versus_none.as_ref().expect("testable");
        assert_close(c.difference, -500.0 / 3.0, 1e-9);
        assert_close(c.statistic, -6.123_724_356_957_945, 1e-9);
        assert!(c.significant);
        assert!(repeat.groups[1].metric.is_none());
        assert!(repeat.groups[1].versus_none.is_none());
        // c4's 6 is the only answer of those who did not reach usage.
        let nr = repeat.not_reached_metric.as_ref().expect("answers");
        assert_eq!((nr.value, nr.n), (-100.0, 1));
    }

    #[test]
    fn long_paths_are_truncated_and_three_or_more_contacts_pool() {
        let shape = Shape::new(2, vec![0, 0, 1]).expect("valid");
        let mut b = PathsBuilder::new(
            shape,
            MetricKind::Csat,
            Some(RepeatQuery {
                touchpoint: 0,
                stage: 1,
            }),
        );
        let alternating: Vec<usize> = (0..50).map(|i| i % 2).chain([2]).collect();
        b.add_customer(1u32, &alternating);
        b.add_customer(2u32, &[0, 0, 0, 0, 2, 0, 9]);
        let r = b.finish(10);
        let long = r.top.iter().find(|p| p.truncated).expect("truncated path");
        assert_eq!(long.steps.len(), MAX_PATH_STEPS);
        let short = r.top.iter().find(|p| !p.truncated).expect("short path");
        let steps: Vec<(usize, u64)> = short
            .steps
            .iter()
            .map(|s| (s.touchpoint, s.visits))
            .collect();
        // The unknown touchpoint 9 is skipped; the visit to 0 after the stage still counts.
        assert_eq!(steps, [(0, 4), (2, 1), (0, 1)]);
        let repeat = r.repeat.expect("asked for");
        let counts: Vec<u64> = repeat.groups.iter().map(|g| g.customers).collect();
        assert_eq!(counts, [0, 0, 0, 2], "25 and 4 contacts are both 3+");
        assert_eq!(r.funnel[0].reached, 2);
        assert_eq!(r.funnel[1].reached, 2);
        assert_eq!(r.funnel[0].drop_off.map(|d| d.value), Some(0.0));
    }

    #[test]
    fn empty_and_invalid_inputs() {
        assert!(Shape::new(2, vec![0, 2]).is_none());
        let b: PathsBuilder<u8> = PathsBuilder::new(
            telco(),
            MetricKind::Ces,
            Some(RepeatQuery {
                touchpoint: 7,
                stage: 0,
            }),
        );
        let r = b.finish(DEFAULT_TOP);
        assert_eq!(r.customers, 0);
        assert!(r.top.is_empty());
        assert!(r.repeat.is_none(), "an unknown touchpoint asks nothing");
        assert!(
            r.funnel
                .iter()
                .all(|f| f.reached == 0 && f.drop_off.is_none())
        );
        assert_eq!(r.overall, None);
    }

    fn scenario() -> impl Strategy<Value = (usize, Vec<usize>, Vec<Vec<usize>>, usize, usize, usize)>
    {
        (1usize..5, 1usize..6).prop_flat_map(|(stages, touchpoints)| {
            (
                Just(stages),
                prop::collection::vec(0..stages, touchpoints),
                prop::collection::vec(prop::collection::vec(0..touchpoints + 1, 0..30), 0..40),
                0..touchpoints,
                0..stages,
                0usize..8,
            )
        })
    }

    proptest! {
        #[test]
        fn shares_sum_to_one_and_the_funnel_only_falls(
            (stages, stage_of, customers, t, s, top) in scenario()
        ) {
            let shape = Shape::new(stages, stage_of).expect("generated in range");
            let mut all = PathsBuilder::new(shape.clone(), MetricKind::Nps, Some(RepeatQuery { touchpoint: t, stage: s }));
            let mut some = PathsBuilder::new(shape, MetricKind::Nps, None);
            for (i, visits) in customers.iter().enumerate() {
                all.add_customer(i, visits);
                some.add_customer(i, visits);
                all.add_score(&i, (i % 11) as i64);
            }
            let r = all.finish(usize::MAX);
            prop_assert_eq!(r.top.len() as u64, r.distinct_paths);
            prop_assert_eq!(r.top.iter().map(|p| p.customers).sum::<u64>(), r.customers);
            prop_assert_eq!(r.other_customers, 0);
            if r.customers > 0 {
                let total: f64 = r.top.iter().map(|p| p.share.value).sum();
                prop_assert!((total - 1.0).abs() < 1e-9);
            }
            for p in &r.top {
                prop_assert!(p.share.ci95.0 <= p.share.value && p.share.value <= p.share.ci95.1);
                prop_assert!(p.steps.windows(2).all(|w| w[0].touchpoint != w[1].touchpoint));
                prop_assert!(p.steps.iter().all(|st| st.visits >= p.customers));
                prop_assert!(p.steps.len() <= MAX_PATH_STEPS);
            }
            prop_assert_eq!(r.funnel.len(), stages);
            prop_assert_eq!(r.funnel[0].reached, r.customers);
            for w in r.funnel.windows(2) {
                prop_assert!(w[1].reached <= w[0].reached);
                prop_assert_eq!(w[0].continued, Some(w[1].reached));
            }
            for f in &r.funnel {
                prop_assert!(f.visited <= f.reached);
                if let Some(d) = f.drop_off {
                    prop_assert!(d.ci95.0 <= d.value && d.value <= d.ci95.1);
                    prop_assert!((0.0..=1.0).contains(&d.ci95.0) && (0.0..=1.0).contains(&d.ci95.1));
                }
            }
            let repeat = r.repeat.as_ref().expect("valid query");
            prop_assert_eq!(repeat.groups.iter().map(|g| g.customers).sum::<u64>() + repeat.not_reached, r.customers);
            prop_assert_eq!(r.funnel[s].visited, repeat.groups.iter().map(|g| g.customers).sum::<u64>());
            let answers: u64 = r.top.iter().filter_map(|p| p.metric.as_ref()).map(|m| m.n).sum();
            prop_assert_eq!(answers, r.overall.as_ref().map_or(0, |o| o.n));
            let few = some.finish(top);
            prop_assert!(few.top.len() <= top);
            prop_assert_eq!(few.top.iter().map(|p| p.customers).sum::<u64>() + few.other_customers, few.customers);
            prop_assert!(few.top.windows(2).all(|w| w[0].customers >= w[1].customers));
        }
    }
}
