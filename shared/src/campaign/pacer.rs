//! The sending number's pace, shared by every worker: a token bucket kept as its theoretical
//! arrival time (GCRA, no burst). A worker reserves a run of `n` slots; the first is at the
//! later of now and the bucket's time, the next ones one interval apart, so however many
//! workers reserve, the number never goes faster than its rate. Meta's 130429 pushes the
//! bucket's time ahead (its `Retry-After`, else a second). The server runs exactly this as a
//! Redis script, on Redis's clock; this is the rule, with its tests.

/// Microseconds between two messages at `rate_per_second`.
pub fn interval_us(rate_per_second: u32) -> u64 {
    1_000_000 / u64::from(rate_per_second.max(1))
}

/// What a reservation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Send the first message after `delay_us`, the next ones `interval_us` apart.
    Granted { delay_us: u64, interval_us: u64 },
    /// The bucket is booked more than the allowed time ahead: ask again after `retry_us`.
    Busy { retry_us: u64 },
}

/// Reserves `n` slots at time `now` (µs) on a bucket whose time is `tat` (µs, 0 when new), for
/// at most `max_ahead_us` of waiting. Returns the reservation and the bucket's new time.
pub fn reserve(
    tat: u64,
    now: u64,
    n: u64,
    interval_us: u64,
    max_ahead_us: u64,
) -> (Reservation, u64) {
    let first = tat.max(now);
    let delay_us = first - now;
    if delay_us > max_ahead_us {
        return (
            Reservation::Busy {
                retry_us: delay_us - max_ahead_us,
            },
            tat,
        );
    }
    (
        Reservation::Granted {
            delay_us,
            interval_us,
        },
        first + n * interval_us,
    )
}

/// The bucket's time after Meta said the rate was exceeded: nothing is sent before `now +
/// penalty_us`.
pub fn penalize(tat: u64, now: u64, penalty_us: u64) -> u64 {
    tat.max(now + penalty_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_by_many_workers_never_exceed_the_rate() {
        let interval = interval_us(80);
        assert_eq!(interval, 12_500);
        let mut tat = 0;
        let now = 1_000_000_000;
        let mut firsts = Vec::new();
        // Three workers asking at the same instant for 40 slots each.
        for _ in 0..3 {
            let (r, next) = reserve(tat, now, 40, interval, 2_000_000);
            tat = next;
            match r {
                Reservation::Granted { delay_us, .. } => firsts.push(delay_us),
                Reservation::Busy { .. } => panic!("refused"),
            }
        }
        assert_eq!(firsts, vec![0, 500_000, 1_000_000]);
        // 120 messages booked over 1.5 s: 80 per second.
        assert_eq!(tat - now, 1_500_000);
    }

    #[test]
    fn an_idle_bucket_does_not_save_up_a_burst() {
        let interval = interval_us(10);
        let (r, tat) = reserve(5, 10_000_000, 1, interval, 0);
        assert_eq!(
            r,
            Reservation::Granted {
                delay_us: 0,
                interval_us: 100_000
            }
        );
        assert_eq!(tat, 10_100_000);
    }

    #[test]
    fn a_bucket_booked_too_far_ahead_says_when_to_come_back() {
        let (r, tat) = reserve(3_000_000, 1_000_000, 10, 1_000, 500_000);
        assert_eq!(
            r,
            Reservation::Busy {
                retry_us: 1_500_000
            }
        );
        assert_eq!(tat, 3_000_000, "a refusal books nothing");
    }

    #[test]
    fn meta_saying_too_fast_holds_the_number_back() {
        assert_eq!(penalize(0, 1_000, 1_000_000), 1_001_000);
        assert_eq!(penalize(5_000_000, 1_000, 1_000_000), 5_000_000);
        assert_eq!(interval_us(1_000), 1_000);
        assert_eq!(interval_us(0), 1_000_000);
    }
}
