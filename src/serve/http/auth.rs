//! Bearer tokens and the roles they carry.
//!
//! Each token has a name (recorded as the approver of an order it approves) and one role:
//! `erp` (the ERP checking orders and posting ledger events), `approver` (credit managers
//! approving or rejecting waiting orders) or `admin` (imports, policy reloads, the decision
//! log). Tokens come from a TOML file (`--tokens`) and/or `CREDIT_POLICY_TOKENS`; only their
//! SHA-256 digests are kept, and a presented token is compared digest to digest in constant
//! time, against every known token, so the time taken says nothing about which one is close.

use std::fmt;
use std::path::Path;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};

use crate::serve::api::{ErrorKind, ServiceError};

/// The environment variable holding tokens: `name:role:secret,name:role:secret`.
pub const TOKENS_VAR: &str = "CREDIT_POLICY_TOKENS";

/// The shortest token accepted: shorter ones can be guessed.
pub const MIN_TOKEN_LEN: usize = 16;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The ERP: decides, checks orders, posts ledger events.
    Erp,
    /// A credit manager: approves or rejects orders waiting for approval.
    Approver,
    /// Operations: imports portfolios, reloads the policy, reads the decision log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Erp, Role::Approver, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Erp => "erp",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name (`anonymous` under `--no-auth`).
    pub name: String,
    /// The token's role; `None` under `--no-auth`, where every route is open.
    pub role: Option<Role>,
}

struct Entry {
    name: String,
    role: Role,
    digest: [u8; 32],
}

/// The tokens the service knows, or none at all under `--no-auth`.
pub struct Auth {
    entries: Vec<Entry>,
    open: bool,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and roles only: never a digest.
        let names: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{}:{}", e.name, e.role))
            .collect();
        f.debug_struct("Auth")
            .field("tokens", &names)
            .field("open", &self.open)
            .finish()
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensDoc {
    #[serde(default)]
    token: Vec<TokenDoc>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenDoc {
    name: toml::Spanned<String>,
    role: toml::Spanned<String>,
    token: Option<toml::Spanned<String>>,
    sha256: Option<toml::Spanned<String>>,
}

impl Auth {
    /// No token at all: every route open, the caller `anonymous`. Only for a loopback address
    /// (checked where the address is known).
    pub fn open() -> Auth {
        Auth {
            entries: Vec::new(),
            open: true,
        }
    }

    /// Whether every route is open (`--no-auth`).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// How many tokens are known.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tokens of `file` (TOML) and of `env` (the value of [`TOKENS_VAR`]). The error says
    /// which file and line, and how to fix it; no tokens at all is an error too.
    pub fn load(file: Option<&Path>, env: Option<&str>) -> Result<Auth, String> {
        let mut entries = Vec::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--tokens: cannot read `{}`: {e}", path.display()))?;
            entries.extend(parse_file(&text, &path.display().to_string())?);
        }
        if let Some(value) = env.filter(|v| !v.trim().is_empty()) {
            entries.extend(parse_env(value)?);
        }
        if entries.is_empty() {
            return Err(format!(
                "no bearer token is set: give a tokens file with `--tokens FILE` (`[[token]]` tables \
                 with `name`, `role` and `token` or `sha256`) or set {TOKENS_VAR}=name:role:secret,...; \
                 roles are erp, approver and admin (or `--no-auth` on a loopback address, for a try-out)"
            ));
        }
        for (i, a) in entries.iter().enumerate() {
            if let Some(b) = entries[..i].iter().find(|b| b.digest == a.digest) {
                return Err(format!(
                    "the tokens `{}` and `{}` have the same secret: give each its own",
                    b.name, a.name
                ));
            }
        }
        Ok(Auth {
            entries,
            open: false,
        })
    }

    /// The caller of a request allowed to any of `roles`: 401 without a known bearer token,
    /// 403 when its role is not among `roles`.
    pub fn check(&self, headers: &HeaderMap, roles: &[Role]) -> Result<Caller, ServiceError> {
        if self.open {
            return Ok(Caller {
                name: "anonymous".into(),
                role: None,
            });
        }
        let Some(value) = headers.get(AUTHORIZATION) else {
            return Err(ServiceError::new(
                ErrorKind::Unauthenticated,
                "no bearer token: send `Authorization: Bearer <token>`",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, rest) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .ok_or_else(|| {
                ServiceError::new(
                    ErrorKind::Unauthenticated,
                    "the Authorization header is not `Bearer <token>`",
                )
            })?;
        let digest = sha256(token.as_bytes());
        // Every entry compared, none skipped: the time does not depend on which one matches.
        let mut found: Option<&Entry> = None;
        for e in &self.entries {
            if constant_time_eq(&e.digest, &digest) {
                found = Some(e);
            }
        }
        let Some(entry) = found else {
            return Err(ServiceError::new(
                ErrorKind::Unauthenticated,
                "the bearer token is not one this service knows",
            ));
        };
        if !roles.contains(&entry.role) {
            let needed: Vec<String> = roles.iter().map(|r| format!("`{r}`")).collect();
            return Err(ServiceError::new(
                ErrorKind::Forbidden,
                format!(
                    "this needs a token with the role {}; the token `{}` has the role `{}`",
                    needed.join(" or "),
                    entry.name,
                    entry.role
                ),
            ));
        }
        Ok(Caller {
            name: entry.name.clone(),
            role: Some(entry.role),
        })
    }
}

fn parse_file(text: &str, file: &str) -> Result<Vec<Entry>, String> {
    let line_of =
        |span: std::ops::Range<usize>| text[..span.start.min(text.len())].lines().count().max(1);
    let doc: TokensDoc = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| format!(":{}", line_of(s)))
            .unwrap_or_default();
        format!(
            "--tokens: `{file}{at}` is not a tokens file: {}; write `[[token]]` tables with `name`, `role` and `token` (or `sha256`)",
            e.message()
        )
    })?;
    let mut entries = Vec::new();
    for t in doc.token {
        let at = |span: std::ops::Range<usize>| format!("{file}:{}", line_of(span));
        let name = t.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(format!(
                "--tokens: `{}`: the token's `name` is empty",
                at(t.name.span())
            ));
        }
        let role = Role::from_name(t.role.get_ref()).ok_or_else(|| {
            format!(
                "--tokens: `{}`: `{}` is not a role (token `{name}`); use erp, approver or admin",
                at(t.role.span()),
                t.role.get_ref()
            )
        })?;
        let digest = match (&t.token, &t.sha256) {
            (Some(secret), None) => {
                check_secret(secret.get_ref())
                    .map_err(|e| format!("--tokens: `{}`: token `{name}` {e}", at(secret.span())))?;
                sha256(secret.get_ref().as_bytes())
            }
            (None, Some(hex)) => parse_hex(hex.get_ref()).ok_or_else(|| {
                format!(
                    "--tokens: `{}`: the `sha256` of token `{name}` is not 64 hexadecimal digits (write the output of `printf %s TOKEN | sha256sum`)",
                    at(hex.span())
                )
            })?,
            _ => {
                return Err(format!(
                    "--tokens: `{}`: token `{name}` needs exactly one of `token` or `sha256`",
                    at(t.name.span())
                ));
            }
        };
        entries.push(Entry { name, role, digest });
    }
    Ok(entries)
}

fn parse_env(value: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (i, item) in value.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let n = i + 1;
        let mut parts = item.splitn(3, ':');
        let (Some(name), Some(role), Some(secret)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("{TOKENS_VAR}: item {n} is not `name:role:secret`"));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("{TOKENS_VAR}: item {n} has an empty name"));
        }
        let role = Role::from_name(role.trim()).ok_or_else(|| {
            format!(
                "{TOKENS_VAR}: item {n} (`{name}`): `{role}` is not a role; use erp, approver or admin"
            )
        })?;
        check_secret(secret).map_err(|e| format!("{TOKENS_VAR}: item {n} (`{name}`) {e}"))?;
        entries.push(Entry {
            name: name.to_string(),
            role,
            digest: sha256(secret.as_bytes()),
        });
    }
    Ok(entries)
}

fn check_secret(secret: &str) -> Result<(), String> {
    if secret.chars().count() < MIN_TOKEN_LEN {
        return Err(format!(
            "is shorter than {MIN_TOKEN_LEN} characters: use a long random one (e.g. `openssl rand -hex 32`)"
        ));
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("holds a space or control character, which a header cannot carry".into());
    }
    Ok(())
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = Sha256::digest(bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(&d);
    out
}

fn parse_hex(text: &str) -> Option<[u8; 32]> {
    let t = text.trim();
    if t.len() != 64 || !t.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&t[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn bearer(t: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
        );
        h
    }

    #[test]
    fn a_file_token_and_a_digest_are_both_known() {
        let digest: String = sha256(b"approver-secret-0001")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let text = format!(
            "[[token]]\nname = \"erp\"\nrole = \"erp\"\ntoken = \"erp-secret-000000001\"\n\n\
             [[token]]\nname = \"anna\"\nrole = \"approver\"\nsha256 = \"{digest}\"\n"
        );
        let auth = Auth {
            entries: parse_file(&text, "t.toml").unwrap(),
            open: false,
        };
        let c = auth
            .check(&bearer("approver-secret-0001"), &[Role::Approver])
            .unwrap();
        assert_eq!(c.name, "anna");
        let e = auth
            .check(&bearer("erp-secret-000000001"), &[Role::Admin])
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Forbidden);
        assert!(e.message.contains("`admin`"), "{}", e.message);
        let e = auth
            .check(&bearer("nope-nope-nope-nope"), &[Role::Admin])
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unauthenticated);
    }

    #[test]
    fn a_short_token_or_an_unknown_role_is_refused_with_its_line() {
        let e = parse_file(
            "[[token]]\nname = \"a\"\nrole = \"erp\"\ntoken = \"short\"\n",
            "t.toml",
        )
        .err()
        .unwrap();
        assert!(e.contains("t.toml:4") && e.contains("16"), "{e}");
        let e = parse_file(
            "[[token]]\nname = \"a\"\nrole = \"boss\"\ntoken = \"long-enough-token-1\"\n",
            "t.toml",
        )
        .err()
        .unwrap();
        assert!(e.contains("t.toml:3") && e.contains("`boss`"), "{e}");
        let e = parse_env("a:erp:long-enough-token-1,b:root:long-enough-token-2")
            .err()
            .unwrap();
        assert!(e.contains("item 2") && e.contains("`root`"), "{e}");
    }
}
