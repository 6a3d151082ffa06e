//! Where customers go in a flow: the visits the engine's [`Mark`]s describe, and the counts per
//! block and port the builder's overlay shows.
//!
//! A visit is one conversation at one block: entered at a time, left through a port or stopped
//! there ([`Stop`]), or still open (the customer has not answered). The server stores visits
//! per flow version and rolls them up per day; durations are kept as a histogram over
//! [`BUCKET_SECONDS`], so a median over a year is read from a few hundred rows.

use super::engine::{Mark, Stop};
use super::{NodeId, Port};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Upper bounds (seconds) of the duration buckets; a last bucket holds the longer ones. The
/// server's SQL (`width_bucket` in `db::bot_steps`) uses the same bounds.
pub const BUCKET_SECONDS: [f64; 14] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 21600.0, 86400.0,
];
/// Buckets in a histogram.
pub const BUCKETS: usize = BUCKET_SECONDS.len() + 1;

/// The bucket a duration falls in.
pub fn bucket_of(seconds: f64) -> usize {
    BUCKET_SECONDS
        .iter()
        .position(|b| seconds < *b)
        .unwrap_or(BUCKET_SECONDS.len())
}

/// The median of a histogram over [`BUCKET_SECONDS`], interpolated inside its bucket (none for
/// an empty one).
pub fn median(hist: &[i64]) -> Option<f64> {
    let total: i64 = hist.iter().sum();
    if total <= 0 {
        return None;
    }
    let half = total as f64 / 2.0;
    let mut below = 0.0;
    for (i, n) in hist.iter().enumerate() {
        let n = *n as f64;
        if n > 0.0 && below + n >= half {
            let lower = if i == 0 { 0.0 } else { BUCKET_SECONDS[i - 1] };
            let upper = BUCKET_SECONDS.get(i).copied().unwrap_or(lower * 2.0);
            return Some(lower + (upper - lower) * ((half - below) / n));
        }
        below += n;
    }
    None
}

/// How a port is stored: `next`, `choice:<id>`, `rule:<n>`, `else`, `success`, `error`,
/// `failure`, `captured`.
pub fn port_key(port: &Port) -> String {
    match port {
        Port::Next => "next".into(),
        Port::Choice(id) => format!("choice:{id}"),
        Port::Rule(i) => format!("rule:{i}"),
        Port::Else => "else".into(),
        Port::Success => "success".into(),
        Port::Error => "error".into(),
        Port::Failure => "failure".into(),
        Port::Captured => "captured".into(),
    }
}

/// One visit a run produced (`left` none: still open).
#[derive(Debug, Clone, PartialEq)]
pub struct Visit<T> {
    pub flow: String,
    pub node: NodeId,
    pub entered: T,
    pub left: Option<T>,
    pub port: Option<Port>,
    pub stop: Option<Stop>,
}

/// How the visit open before the run (the block the conversation waited at) was left.
#[derive(Debug, Clone, PartialEq)]
pub struct Closing<T> {
    pub left: T,
    pub port: Option<Port>,
    pub stop: Option<Stop>,
}

/// What a run's marks do to the stored visits: close the one open before, add these.
#[derive(Debug, Clone, PartialEq)]
pub struct Visits<T> {
    pub close_open: Option<Closing<T>>,
    pub visits: Vec<Visit<T>>,
}

enum Current {
    /// The visit open before the run (if any) is the current one.
    Before,
    /// This new visit is.
    New(usize),
    /// The current visit was closed.
    Closed,
}

/// Turns a run's marks, each with the time it was made, into visits. An entry closes the
/// current visit without a port (a "go to flow"); a leave or a stop closes it.
pub fn visits<T: Copy>(marks: &[(T, Mark)]) -> Visits<T> {
    let mut out = Visits {
        close_open: None,
        visits: Vec::new(),
    };
    let mut current = Current::Before;
    for (at, mark) in marks {
        let (port, stop) = match mark {
            Mark::Enter { .. } => (None, None),
            Mark::Leave { port } => (Some(port.clone()), None),
            Mark::Stop { reason } => (None, Some(*reason)),
        };
        match current {
            Current::Before => {
                out.close_open = Some(Closing {
                    left: *at,
                    port,
                    stop,
                })
            }
            Current::New(i) => {
                let v = &mut out.visits[i];
                v.left = Some(*at);
                v.port = port;
                v.stop = stop;
            }
            Current::Closed => {}
        }
        current = Current::Closed;
        if let Mark::Enter { flow, node } = mark {
            out.visits.push(Visit {
                flow: flow.clone(),
                node: node.clone(),
                entered: *at,
                left: None,
                port: None,
                stop: None,
            });
            current = Current::New(out.visits.len() - 1);
        }
    }
    out
}

/// What the server counts for one (block, port, stop) of a flow version over a period.
/// `port` and `stop` are empty when the visit had none; `stop` is `open` for a visit still
/// waiting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCount {
    pub node: String,
    pub port: String,
    pub stop: String,
    pub visits: i64,
    /// Conversations, counted once per day.
    pub conversations: i64,
    /// Durations of the closed visits over [`BUCKET_SECONDS`].
    pub hist: Vec<i64>,
}

/// The key of a visit still waiting for the customer.
pub const OPEN: &str = "open";

/// One block on the overlay.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockStats {
    /// Conversations that reached it.
    pub passed: i64,
    /// Conversations that left through each port (by [`port_key`]).
    pub ports: BTreeMap<String, i64>,
    /// Conversations that stopped there, by [`Stop::key`] or [`OPEN`].
    pub stopped: BTreeMap<String, i64>,
    /// Median time spent there, in seconds.
    pub median_seconds: Option<f64>,
}

impl BlockStats {
    /// The stops a person reads as drop-offs: left (said "sair" or never answered), went
    /// inactive, or asked for a person.
    pub fn dropped(&self) -> i64 {
        [
            Stop::Quit.key(),
            OPEN,
            Stop::Inactive.key(),
            Stop::Agent.key(),
        ]
        .iter()
        .filter_map(|k| self.stopped.get(*k))
        .sum()
    }

    pub fn left(&self) -> i64 {
        self.stopped.get(Stop::Quit.key()).copied().unwrap_or(0)
            + self.stopped.get(OPEN).copied().unwrap_or(0)
    }

    pub fn stopped_by(&self, stop: Stop) -> i64 {
        self.stopped.get(stop.key()).copied().unwrap_or(0)
    }
}

/// The overlay's figures: per block, for a flow over a period and versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FlowAnalytics {
    pub blocks: BTreeMap<String, BlockStats>,
    /// Conversations that reached the flow's start.
    pub started: i64,
    /// The published versions (for the filter).
    pub versions: Vec<i32>,
    /// The version shown (none: all).
    pub version: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Sums the counts per block.
pub fn summarize(counts: &[StepCount]) -> BTreeMap<String, BlockStats> {
    let mut blocks: BTreeMap<String, BlockStats> = BTreeMap::new();
    let mut hists: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for c in counts {
        let b = blocks.entry(c.node.clone()).or_default();
        b.passed += c.conversations;
        if !c.port.is_empty() {
            *b.ports.entry(c.port.clone()).or_default() += c.conversations;
        }
        if !c.stop.is_empty() {
            *b.stopped.entry(c.stop.clone()).or_default() += c.conversations;
        }
        let h = hists
            .entry(c.node.as_str())
            .or_insert_with(|| vec![0; BUCKETS]);
        for (i, n) in c.hist.iter().enumerate().take(BUCKETS) {
            h[i] += n;
        }
    }
    for (node, h) in hists {
        if let Some(b) = blocks.get_mut(node) {
            b.median_seconds = median(&h);
        }
    }
    blocks
}

/// "12 s", "3 min", "1 h 20 min", "2 d".
pub fn format_duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", (s + 30) / 60),
        s if s < 86400 => match (s / 3600, (s % 3600) / 60) {
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        },
        s => format!("{} d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enter(node: &str) -> Mark {
        Mark::Enter {
            flow: "principal".into(),
            node: NodeId::new(node),
        }
    }

    #[test]
    fn buckets_follow_their_bounds() {
        assert_eq!(bucket_of(0.0), 0);
        assert_eq!(bucket_of(0.99), 0);
        assert_eq!(bucket_of(1.0), 1);
        assert_eq!(bucket_of(59.0), 6);
        assert_eq!(bucket_of(60.0), 7);
        assert_eq!(bucket_of(1e9), BUCKETS - 1);
    }

    #[test]
    fn the_median_is_interpolated_in_its_bucket() {
        let mut h = vec![0; BUCKETS];
        assert_eq!(median(&h), None);
        // Four visits between 10 and 20 s: the median is the bucket's middle.
        h[bucket_of(12.0)] = 4;
        assert_eq!(median(&h), Some(15.0));
        // One fast and one slow besides: still there.
        h[0] = 1;
        h[bucket_of(5000.0)] = 1;
        let m = median(&h).unwrap();
        assert!((10.0..20.0).contains(&m), "{m}");
        // Mostly long ones.
        let mut h = vec![0; BUCKETS];
        h[bucket_of(1.0e6)] = 3;
        assert!(median(&h).unwrap() >= 86400.0);
    }

    #[test]
    fn ports_have_stable_keys() {
        assert_eq!(port_key(&Port::Choice("faturas".into())), "choice:faturas");
        assert_eq!(port_key(&Port::Rule(2)), "rule:2");
        assert_eq!(port_key(&Port::Else), "else");
        for s in Stop::ALL {
            assert_eq!(Stop::from_key(s.key()), Some(s));
        }
    }

    #[test]
    fn marks_close_the_waiting_visit_and_open_new_ones() {
        let marks = vec![
            (
                10,
                Mark::Leave {
                    port: Port::Choice("faturas".into()),
                },
            ),
            (10, enter("pede_cpf")),
            (10, enter("consulta")),
            (
                11,
                Mark::Leave {
                    port: Port::Success,
                },
            ),
            (11, enter("mostra")),
        ];
        let v = visits(&marks);
        assert_eq!(
            v.close_open,
            Some(Closing {
                left: 10,
                port: Some(Port::Choice("faturas".into())),
                stop: None
            })
        );
        assert_eq!(v.visits.len(), 3);
        // Entering the next block closes one left without a port (as a "go to flow" is).
        assert_eq!(v.visits[0].left, Some(10));
        assert_eq!(v.visits[0].port, None);
        assert_eq!(v.visits[1].entered, 10);
        assert_eq!(v.visits[1].left, Some(11));
        assert_eq!(v.visits[1].port, Some(Port::Success));
        assert_eq!(v.visits[2].left, None, "the last block waits");
    }

    #[test]
    fn a_stop_closes_the_current_visit_once() {
        let marks = vec![
            (
                5,
                Mark::Stop {
                    reason: Stop::Agent,
                },
            ),
            (
                5,
                Mark::Stop {
                    reason: Stop::Handoff,
                },
            ),
        ];
        let v = visits(&marks);
        assert_eq!(v.close_open.unwrap().stop, Some(Stop::Agent));
        assert!(v.visits.is_empty());
    }

    #[test]
    fn summaries_add_ports_stops_and_durations_per_block() {
        let mut hist = vec![0; BUCKETS];
        hist[bucket_of(12.0)] = 2;
        let counts = vec![
            StepCount {
                node: "menu".into(),
                port: "choice:faturas".into(),
                stop: String::new(),
                visits: 2,
                conversations: 2,
                hist: hist.clone(),
            },
            StepCount {
                node: "menu".into(),
                port: String::new(),
                stop: "quit".into(),
                visits: 1,
                conversations: 1,
                hist: vec![0; BUCKETS],
            },
            StepCount {
                node: "menu".into(),
                port: String::new(),
                stop: OPEN.into(),
                visits: 1,
                conversations: 1,
                hist: vec![0; BUCKETS],
            },
        ];
        let s = summarize(&counts);
        let menu = &s["menu"];
        assert_eq!(menu.passed, 4);
        assert_eq!(menu.ports["choice:faturas"], 2);
        assert_eq!(menu.left(), 2);
        assert_eq!(menu.dropped(), 2);
        assert_eq!(menu.median_seconds, Some(15.0));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(format_duration(12.4), "12 s");
        assert_eq!(format_duration(150.0), "3 min");
        assert_eq!(format_duration(4800.0), "1 h 20 min");
        assert_eq!(format_duration(7200.0), "2 h");
        assert_eq!(format_duration(200000.0), "2 d");
    }
}
