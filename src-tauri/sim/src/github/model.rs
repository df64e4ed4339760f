//! GitHub objects as stored (compact) and their JSON views. Views carry the
//! repository and the sim's base URL because GitHub bodies are full of URLs.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::clock::iso;
use crate::rng::splitmix64;

const HANDLES: [&str; 32] = [
    "octocat",
    "hubot",
    "monalisa",
    "defunkt",
    "mojombo",
    "pjhyett",
    "wycats",
    "ezmobius",
    "ivey",
    "evanphx",
    "vanpelt",
    "wayneeseguin",
    "brynary",
    "kevinclark",
    "technoweenie",
    "macournoyer",
    "takeo",
    "caged",
    "topfunky",
    "anotherjesse",
    "roland",
    "lukas",
    "fanvsfan",
    "tomtt",
    "railsjitsu",
    "nitay",
    "kevwil",
    "kastner",
    "sr",
    "tomkersten",
    "engineyard",
    "jnewland",
];

/// Distinct login for every user index (handles never end in a digit).
pub fn login(user: u64) -> String {
    let n = HANDLES.len() as u64;
    match user / n {
        0 => HANDLES[user as usize].to_string(),
        k => format!("{}{k}", HANDLES[(user % n) as usize]),
    }
}

pub fn user_id(user: u64) -> u64 {
    1_000 + user
}

/// A user as GitHub embeds it: `{login, id, …}`.
#[derive(Clone, Debug)]
pub struct User {
    pub id: u64,
    pub login: String,
}

impl User {
    pub fn generated(user: u64) -> User {
        User {
            id: user_id(user),
            login: login(user),
        }
    }
}

impl Serialize for User {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("User", 5)?;
        m.serialize_field("login", &self.login)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("html_url", &format!("https://github.com/{}", self.login))?;
        m.serialize_field("type", "User")?;
        m.serialize_field("site_admin", &false)?;
        m.end()
    }
}

const LABELS: [(&str, &str); 4] = [
    ("bug", "d73a4a"),
    ("enhancement", "a2eeef"),
    ("documentation", "0075ca"),
    ("good first issue", "7057ff"),
];

struct Labels(u8);

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let picked: Vec<_> = LABELS
            .iter()
            .enumerate()
            .filter(|(k, _)| self.0 & (1 << k) != 0)
            .map(|(k, (name, color))| serde_json::json!({"id": 5_000 + k, "name": name, "color": color}))
            .collect();
        picked.serialize(s)
    }
}

/// An issue or a pull request (they share one number space, as on GitHub).
#[derive(Clone, Debug)]
pub struct Item {
    pub number: u32,
    pub is_pr: bool,
    pub created: i64,
    pub updated: i64,
    pub closed: Option<i64>,
    pub merged: Option<i64>,
    pub user: u64,
    pub comments: u32,
    pub title: String,
    /// Bit k set = label k of `LABELS`.
    pub labels: u8,
    pub draft: bool,
}

impl Item {
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }
}

/// Deterministic 40-hex-digit sha.
pub fn sha(seed: u64, salt: u64, n: u64) -> String {
    let a = splitmix64(seed ^ splitmix64(salt ^ n.wrapping_mul(0x9E37_79B9)));
    let b = splitmix64(a);
    let c = splitmix64(b);
    format!("{a:016x}{b:016x}{:08x}", c >> 32)
}

/// What every view needs to know about where an item lives.
pub struct Ctx<'a> {
    pub api: &'a str,
    pub full_name: &'a str,
    pub repo_id: u64,
    pub seed: u64,
}

/// GitHub ids are global integers; these keep them unique per repo and
/// distinct between an issue and the PR behind it (as on GitHub).
impl Ctx<'_> {
    pub fn issue_id(&self, number: u32) -> u64 {
        1_000_000_000 + self.repo_id * 10_000_000 + number as u64
    }

    pub fn pull_id(&self, number: u32) -> u64 {
        2_000_000_000 + self.repo_id * 10_000_000 + number as u64
    }

    pub fn commit_sha(&self, c: &Commit) -> String {
        sha(self.seed, self.repo_id, 1 << 40 | c.seq)
    }
}

pub struct IssueView<'a>(pub &'a Ctx<'a>, pub &'a Item);

impl Serialize for IssueView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, it) = (self.0, self.1);
        let html = format!(
            "https://github.com/{}/{}/{}",
            c.full_name,
            if it.is_pr { "pull" } else { "issues" },
            it.number
        );
        let mut m = s.serialize_struct("Issue", 20)?;
        m.serialize_field(
            "url",
            &format!("{}/repos/{}/issues/{}", c.api, c.full_name, it.number),
        )?;
        m.serialize_field("html_url", &html)?;
        m.serialize_field("id", &c.issue_id(it.number))?;
        m.serialize_field("node_id", &format!("I_sim{}", c.issue_id(it.number)))?;
        m.serialize_field("number", &it.number)?;
        m.serialize_field("title", &it.title)?;
        m.serialize_field("user", &User::generated(it.user))?;
        m.serialize_field("labels", &Labels(it.labels))?;
        m.serialize_field("state", if it.is_open() { "open" } else { "closed" })?;
        m.serialize_field("state_reason", &it.closed.map(|_| "completed"))?;
        m.serialize_field("locked", &false)?;
        m.serialize_field("comments", &it.comments)?;
        m.serialize_field("created_at", &iso(it.created))?;
        m.serialize_field("updated_at", &iso(it.updated))?;
        m.serialize_field("closed_at", &it.closed.map(iso))?;
        m.serialize_field("author_association", "CONTRIBUTOR")?;
        m.serialize_field("body", &format!("Details for #{}: {}", it.number, it.title))?;
        if it.is_pr {
            m.serialize_field("draft", &it.draft)?;
            let pulls = format!("{}/repos/{}/pulls/{}", c.api, c.full_name, it.number);
            m.serialize_field(
                "pull_request",
                &serde_json::json!({
                    "url": pulls,
                    "html_url": html,
                    "diff_url": format!("{html}.diff"),
                    "patch_url": format!("{html}.patch"),
                    "merged_at": it.merged.map(iso),
                }),
            )?;
        }
        m.end()
    }
}

pub struct PullView<'a>(pub &'a Ctx<'a>, pub &'a Item);

impl Serialize for PullView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, it) = (self.0, self.1);
        let owner = c.full_name.split('/').next().unwrap_or_default();
        let branch = format!("feature/{}", it.number);
        let number = it.number as u64;
        let head = serde_json::json!({
            "label": format!("{owner}:{branch}"), "ref": branch, "sha": sha(c.seed, c.repo_id, number),
        });
        let base = serde_json::json!({
            "label": format!("{owner}:main"), "ref": "main", "sha": sha(c.seed, c.repo_id ^ 0xBA5E, number),
        });
        let mut m = s.serialize_struct("Pull", 20)?;
        m.serialize_field(
            "url",
            &format!("{}/repos/{}/pulls/{}", c.api, c.full_name, it.number),
        )?;
        m.serialize_field("id", &c.pull_id(it.number))?;
        m.serialize_field("node_id", &format!("PR_sim{}", c.pull_id(it.number)))?;
        m.serialize_field(
            "html_url",
            &format!("https://github.com/{}/pull/{}", c.full_name, it.number),
        )?;
        m.serialize_field("number", &it.number)?;
        m.serialize_field("state", if it.is_open() { "open" } else { "closed" })?;
        m.serialize_field("locked", &false)?;
        m.serialize_field("title", &it.title)?;
        m.serialize_field("user", &User::generated(it.user))?;
        m.serialize_field("body", &format!("Details for #{}: {}", it.number, it.title))?;
        m.serialize_field("labels", &Labels(it.labels))?;
        m.serialize_field("created_at", &iso(it.created))?;
        m.serialize_field("updated_at", &iso(it.updated))?;
        m.serialize_field("closed_at", &it.closed.map(iso))?;
        m.serialize_field("merged_at", &it.merged.map(iso))?;
        m.serialize_field(
            "merge_commit_sha",
            &it.merged
                .map(|_| sha(c.seed, c.repo_id ^ 0x3E6, it.number as u64)),
        )?;
        m.serialize_field("draft", &it.draft)?;
        m.serialize_field("head", &head)?;
        m.serialize_field("base", &base)?;
        m.serialize_field("author_association", "CONTRIBUTOR")?;
        m.end()
    }
}

/// The author name of commits whose email is linked to no GitHub account.
pub const BOT_NAME: &str = "Build Bot";

#[derive(Clone, Debug)]
pub struct Commit {
    /// Creation order within the repo; the sha is derived from it.
    pub seq: u64,
    pub date: i64,
    /// None = commit email not linked to a GitHub account (`author: null`).
    pub author: Option<u64>,
    pub message: String,
}

pub struct CommitView<'a>(pub &'a Ctx<'a>, pub &'a Commit);

impl Serialize for CommitView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (c, cm) = (self.0, self.1);
        let sha = c.commit_sha(cm);
        let (name, email) = match cm.author {
            Some(u) => (login(u), format!("{}@users.noreply.github.com", login(u))),
            None => (BOT_NAME.to_string(), "build-bot@example.com".to_string()),
        };
        let person = serde_json::json!({"name": name, "email": email, "date": iso(cm.date)});
        let user = cm.author.map(User::generated);
        let mut m = s.serialize_struct("Commit", 8)?;
        m.serialize_field("sha", &sha)?;
        m.serialize_field("node_id", &format!("C_sim{sha}"))?;
        m.serialize_field(
            "commit",
            &serde_json::json!({
                "author": person, "committer": person, "message": cm.message, "comment_count": 0,
            }),
        )?;
        m.serialize_field("url", &format!("{}/repos/{}/commits/{sha}", c.api, c.full_name))?;
        m.serialize_field(
            "html_url",
            &format!("https://github.com/{}/commit/{sha}", c.full_name),
        )?;
        m.serialize_field("author", &user)?;
        m.serialize_field("committer", &user)?;
        m.end()
    }
}

#[derive(Clone, Debug)]
pub struct Star {
    pub user: User,
    pub at: i64,
}

/// `{login, id, …}`, or with the star media type `{starred_at, user}`.
pub struct StarView<'a>(pub &'a Star, pub bool);

impl Serialize for StarView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.1 {
            return self.0.user.serialize(s);
        }
        let mut m = s.serialize_struct("Stargazer", 2)?;
        m.serialize_field("starred_at", &iso(self.0.at))?;
        m.serialize_field("user", &self.0.user)?;
        m.end()
    }
}
