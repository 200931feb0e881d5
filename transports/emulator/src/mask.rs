//! License masks: each `*` of a mask becomes a random uppercase letter or digit
//! (`PREMIUM-******` → `PREMIUM-A1B2C3`), with no key repeated within an
//! application.
//!
//! Before drawing anything, [`expand`] counts how many keys the mask can make
//! (36 per `*`) less those the application already holds; if that is fewer
//! than asked, the request is refused (400) and nothing is drawn. Otherwise
//! each key is drawn at random; after a few collisions in a row the draw walks
//! forward from the last candidate (like an odometer over the `*` positions)
//! to the next free key, so expansion always ends, even when almost every key
//! is taken.

use std::collections::HashSet;

use crate::input::invalid_format;
use crate::reply::{Failure, shorten};

/// The characters a `*` becomes.
pub(crate) const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Random draws before walking to the next free key.
const RANDOM_TRIES: usize = 16;

/// `count` distinct keys from `mask`, none in `taken`.
pub(crate) fn expand(
    mask: &str,
    count: usize,
    taken: &HashSet<&str>,
    rng: &mut fastrand::Rng,
) -> Result<Vec<String>, Failure> {
    let chars: Vec<char> = mask.chars().collect();
    let stars: Vec<usize> = (0..chars.len()).filter(|&i| chars[i] == '*').collect();
    let capacity = 36u128.checked_pow(u32::try_from(stars.len()).unwrap_or(u32::MAX));
    let already = taken.iter().filter(|key| matches_mask(key, &chars)).count();
    let free = capacity.map(|c| c.saturating_sub(already as u128));
    if free.is_some_and(|free| free < count as u128) {
        return Err(invalid_format(
            "license",
            format!(
                "the mask {:?} cannot make {count} more unique licenses: its {} `*` make {} keys and {already} of them exist in this application; add `*` to the mask",
                shorten(mask, 64),
                stars.len(),
                capacity.unwrap_or(u128::MAX),
            ),
        ));
    }
    let mut made: HashSet<String> = HashSet::with_capacity(count);
    let mut keys = Vec::with_capacity(count);
    let mut digits = vec![0usize; stars.len()];
    while keys.len() < count {
        let mut key = None;
        for _ in 0..RANDOM_TRIES {
            digits
                .iter_mut()
                .for_each(|d| *d = rng.usize(..ALPHABET.len()));
            let candidate = render(&chars, &stars, &digits);
            if is_free(&candidate, taken, &made) {
                key = Some(candidate);
                break;
            }
        }
        // Walk forward from the last draw; the count above guarantees a free
        // key within (taken + made + 1) steps.
        while key.is_none() {
            if !increment(&mut digits) && stars.is_empty() {
                break;
            }
            let candidate = render(&chars, &stars, &digits);
            if is_free(&candidate, taken, &made) {
                key = Some(candidate);
            }
        }
        let Some(key) = key else {
            // Unreachable: the count above left room for every key.
            return Err(invalid_format("license", "the mask ran out of unique keys"));
        };
        made.insert(key.clone());
        keys.push(key);
    }
    Ok(keys)
}

fn is_free(candidate: &str, taken: &HashSet<&str>, made: &HashSet<String>) -> bool {
    !taken.contains(candidate) && !made.contains(candidate)
}

/// Whether `key` is one of the keys `mask` can make.
fn matches_mask(key: &str, mask: &[char]) -> bool {
    let mut key_chars = key.chars();
    let all_match = mask.iter().all(|&m| match key_chars.next() {
        Some(c) if m == '*' => c.is_ascii_uppercase() || c.is_ascii_digit(),
        Some(c) => c == m,
        None => false,
    });
    all_match && key_chars.next().is_none()
}

fn render(chars: &[char], stars: &[usize], digits: &[usize]) -> String {
    let mut out: Vec<char> = chars.to_vec();
    for (&position, &digit) in stars.iter().zip(digits) {
        out[position] = char::from(ALPHABET[digit % ALPHABET.len()]);
    }
    out.into_iter().collect()
}

/// Adds one to `digits` as a base-36 number, wrapping around; `false` when
/// it wrapped (or there are no digits).
fn increment(digits: &mut [usize]) -> bool {
    for digit in digits.iter_mut().rev() {
        *digit += 1;
        if *digit < ALPHABET.len() {
            return true;
        }
        *digit = 0;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> fastrand::Rng {
        fastrand::Rng::with_seed(3)
    }

    #[test]
    fn stars_become_uppercase_letters_or_digits() {
        let keys = expand("PREMIUM-******", 50, &HashSet::new(), &mut rng()).unwrap_or_default();
        assert_eq!(keys.len(), 50);
        let mask: Vec<char> = "PREMIUM-******".chars().collect();
        assert!(
            keys.iter().all(|k| matches_mask(k, &mask) && k.len() == 14),
            "{keys:?}"
        );
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), 50);
        // Same seed, same keys.
        assert_eq!(
            expand("PREMIUM-******", 50, &HashSet::new(), &mut rng()).unwrap_or_default(),
            keys
        );
    }

    #[test]
    fn a_small_mask_is_filled_exactly_then_refused() {
        let keys = expand("KEY-AB*", 36, &HashSet::new(), &mut rng()).unwrap_or_default();
        assert_eq!(keys.len(), 36);
        let taken: HashSet<&str> = keys.iter().map(String::as_str).collect();
        let err = expand("KEY-AB*", 1, &taken, &mut rng()).err();
        assert!(err.is_some_and(|f| f.message.contains("cannot make 1 more")));
        // Keys taken by a different mask do not count against this one.
        let half: HashSet<&str> = keys.iter().take(18).map(String::as_str).collect();
        let rest = expand("KEY-AB*", 18, &half, &mut rng()).unwrap_or_default();
        assert!(rest.iter().all(|k| !half.contains(k.as_str())));
        assert_eq!(rest.len(), 18);
    }

    #[test]
    fn a_mask_without_stars_makes_one_key() {
        let none = HashSet::new();
        assert_eq!(
            expand("LITERAL", 1, &none, &mut rng()).ok(),
            Some(vec!["LITERAL".to_owned()])
        );
        assert!(expand("LITERAL", 2, &none, &mut rng()).is_err());
        let taken: HashSet<&str> = ["LITERAL"].into_iter().collect();
        assert!(expand("LITERAL", 1, &taken, &mut rng()).is_err());
    }

    #[test]
    fn huge_masks_do_not_overflow() {
        let mask = "*".repeat(64);
        let keys = expand(&mask, 3, &HashSet::new(), &mut rng()).unwrap_or_default();
        assert_eq!(keys.len(), 3);
        assert!(keys.iter().all(|k| k.len() == 64));
    }
}
