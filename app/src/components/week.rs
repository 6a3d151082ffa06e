//! A week's hours in a form: a row per day, Monday first, open or not, from and to. Teams'
//! business hours and the campaigns' sending window use it.

use leptos::prelude::*;
use shared::hours::{self, Span, DAYS_SHORT};

/// One day's row: its signals.
#[derive(Clone, Copy)]
pub struct DayRow {
    pub open: RwSignal<bool>,
    pub opens: RwSignal<String>,
    pub closes: RwSignal<String>,
}

/// The rows of `days`; a closed day shows `usual` once opened.
pub fn day_rows(days: &[Option<Span>; 7], usual: Span) -> Vec<DayRow> {
    days.iter()
        .map(|d| {
            let span = d.unwrap_or(usual);
            DayRow {
                open: RwSignal::new(d.is_some()),
                opens: RwSignal::new(hours::clock(span.opens)),
                closes: RwSignal::new(hours::clock(span.closes)),
            }
        })
        .collect()
}

/// The week as `hours::parse_week` reads it: "08:00-18:00" per open day, comma-separated.
pub fn week_text(rows: &[DayRow]) -> String {
    rows.iter()
        .map(|r| {
            if r.open.get_untracked() {
                format!("{}-{}", r.opens.get_untracked(), r.closes.get_untracked())
            } else {
                String::new()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The week as typed, unchecked (the server names the day that is wrong): an unreadable time
/// reads as midnight.
pub fn week_spans(rows: &[DayRow]) -> [Option<Span>; 7] {
    let mut days = [None; 7];
    for (day, r) in days.iter_mut().zip(rows) {
        if r.open.get_untracked() {
            *day = Some(Span {
                opens: hours::parse_clock(&r.opens.get_untracked()).unwrap_or(0),
                closes: hours::parse_clock(&r.closes.get_untracked()).unwrap_or(0),
            });
        }
    }
    days
}

/// The seven rows: a checkbox per day, and its times when open.
#[component]
pub fn WeekRows(rows: Vec<DayRow>, #[prop(optional)] disabled: bool) -> impl IntoView {
    view! {
        <ul class="mt-2 space-y-1">
            {rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let r = *r;
                    let day = DAYS_SHORT[i];
                    view! {
                        <li class="flex flex-wrap items-center gap-2 text-sm">
                            <label class="flex w-16 items-center gap-1">
                                <input type="checkbox" class="caixa" disabled=disabled bind:checked=r.open />
                                {day}
                            </label>
                            <Show
                                when=move || r.open.get()
                                fallback=|| view! { <span class="text-tinta-suave">"Fechado"</span> }
                            >
                                <input
                                    type="time"
                                    class="entrada w-36 py-1"
                                    aria-label=format!("{day}: abre às")
                                    disabled=disabled
                                    bind:value=r.opens
                                />
                                <span class="text-tinta-suave">"às"</span>
                                <input
                                    type="time"
                                    class="entrada w-36 py-1"
                                    aria-label=format!("{day}: fecha às")
                                    disabled=disabled
                                    bind:value=r.closes
                                />
                            </Show>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
