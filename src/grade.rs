//! The nine-grade scale, `AAA` (best) to `C` (worst), and moving along it in notches.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A credit grade. The order of the variants is the order of the scale: `AAA` is the best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    AAA,
    AA,
    A,
    BBB,
    BB,
    B,
    CCC,
    CC,
    C,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 9] = [
        Grade::AAA,
        Grade::AA,
        Grade::A,
        Grade::BBB,
        Grade::BB,
        Grade::B,
        Grade::CCC,
        Grade::CC,
        Grade::C,
    ];

    /// Position on the scale: 0 for `AAA`, 8 for `C`.
    pub fn rank(self) -> usize {
        self as usize
    }

    /// The grade at a position on the scale, clamped to `AAA..=C`.
    pub fn from_rank(rank: i64) -> Grade {
        Grade::ALL[rank.clamp(0, 8) as usize]
    }

    /// Moves `notches` steps down the scale (towards `C`); a negative count moves up.
    /// The scale has ends: `C` one notch down is still `C`.
    pub fn lowered(self, notches: i64) -> Grade {
        Grade::from_rank(self.rank() as i64 + notches)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Grade::AAA => "AAA",
            Grade::AA => "AA",
            Grade::A => "A",
            Grade::BBB => "BBB",
            Grade::BB => "BB",
            Grade::B => "B",
            Grade::CCC => "CCC",
            Grade::CC => "CC",
            Grade::C => "C",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Grade {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Grade::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| {
                format!("`{s}` is not a grade; use one of AAA, AA, A, BBB, BB, B, CCC, CC, C")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notches_move_along_the_scale_and_stop_at_the_ends() {
        assert_eq!(Grade::AA.lowered(1), Grade::A);
        assert_eq!(Grade::A.lowered(-2), Grade::AAA);
        assert_eq!(Grade::CC.lowered(3), Grade::C);
        assert_eq!(Grade::AAA.lowered(-1), Grade::AAA);
    }

    #[test]
    fn grades_parse_back_from_their_names() {
        for g in Grade::ALL {
            assert_eq!(g.as_str().parse::<Grade>(), Ok(g));
        }
        assert!("AAAA".parse::<Grade>().is_err());
        assert!(Grade::AAA < Grade::C);
    }
}
