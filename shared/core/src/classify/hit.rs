//! The result of one rule: a category, how sure, and what the matched text means.

use super::model::Confidence;
use crate::taxonomy::Category;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub category: Category,
    pub confidence: Confidence,
    /// One sentence a person understands: what the matched message means.
    pub meaning: &'static str,
}

pub const fn high(category: Category, meaning: &'static str) -> Hit {
    Hit {
        category,
        confidence: Confidence::High,
        meaning,
    }
}

pub const fn medium(category: Category, meaning: &'static str) -> Hit {
    Hit {
        category,
        confidence: Confidence::Medium,
        meaning,
    }
}

pub const fn low(category: Category, meaning: &'static str) -> Hit {
    Hit {
        category,
        confidence: Confidence::Low,
        meaning,
    }
}
