//! Which instructions end up in an image's history: those of the target stage, after those of
//! the stages it is built `FROM`, back to the external image the first of them starts from.
//! A stage can only name an earlier stage, so the walk ends; it is bounded all the same.

use super::parse::{Dockerfile, Instruction};
use super::words::{expand, split_words};

/// The instructions an image's history holds, in build order, and where they start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain<'a> {
    /// The external image the first stage of the chain starts from (`scratch` for none), with
    /// the global ARGs' defaults substituted; a reference without a default stays as written.
    pub base: String,
    /// Indexes into [`Dockerfile::stages`], in build order, the target last.
    pub stages: Vec<usize>,
    pub instructions: Vec<&'a Instruction>,
}

impl Dockerfile {
    /// The stage a build makes: `target` (`--target`, any case), else the last stage.
    pub fn stage_index(&self, target: Option<&str>) -> Option<usize> {
        match target {
            None => self.stages.len().checked_sub(1),
            Some(t) => self
                .stages
                .iter()
                .position(|s| s.name.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(t))),
        }
    }

    /// The chain for the final stage or the `--target` stage; `None` when no stage has that
    /// name.
    pub fn chain(&self, target: Option<&str>) -> Option<Chain<'_>> {
        let mut at = self.stage_index(target)?;
        let mut stages = vec![at];
        let base = loop {
            let base = self.resolved_base(at);
            let parent = self.stages[..at].iter().rposition(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&base))
            });
            match parent {
                Some(p) if stages.len() <= self.stages.len() => {
                    stages.push(p);
                    at = p;
                }
                _ => break base,
            }
        };
        stages.reverse();
        let instructions = stages
            .iter()
            .flat_map(|&s| self.stages[s].instructions.iter())
            .collect();
        Some(Chain {
            base,
            stages,
            instructions,
        })
    }

    /// The instructions that end up in the image's history for the final stage (or the
    /// `--target` stage): the chain of the stages it is built FROM first. Empty when no stage
    /// has that name.
    pub fn final_chain(&self, target: Option<&str>) -> Vec<&Instruction> {
        self.chain(target)
            .map(|c| c.instructions)
            .unwrap_or_default()
    }

    /// The external image the chain of `target` starts from.
    pub fn chain_base(&self, target: Option<&str>) -> Option<String> {
        self.chain(target).map(|c| c.base)
    }

    /// A stage's base with the global ARGs' defaults substituted.
    pub fn resolved_base(&self, stage: usize) -> String {
        let Some(stage) = self.stages.get(stage) else {
            return String::new();
        };
        let defaults = self.global_defaults();
        substitute(&stage.base, self.escape, &defaults)
    }

    /// Global ARGs and their defaults, later ones seeing earlier ones.
    fn global_defaults(&self) -> Vec<(String, Option<String>)> {
        let mut known: Vec<(String, Option<String>)> = Vec::new();
        for arg in &self.global_args {
            for word in split_words(&arg.args, arg.escape) {
                let (name, value) = match word.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(substitute(v, arg.escape, &known))),
                    None => (word.clone(), None),
                };
                known.retain(|(n, _)| *n != name);
                known.push((name, value));
            }
        }
        known
    }
}

fn substitute(text: &str, escape: char, known: &[(String, Option<String>)]) -> String {
    expand(text, escape, &mut |name, raw| {
        if let Some((_, Some(v))) = known.iter().find(|(n, _)| n == name) {
            return v.clone();
        }
        // `${NAME:-default}` / `${NAME-default}` with NAME unset.
        let inner = raw.strip_prefix("${").and_then(|r| r.strip_suffix('}'));
        match inner.and_then(|i| i.strip_prefix(name)) {
            Some(op) if op.starts_with(":-") => op[2..].to_string(),
            Some(op) if op.starts_with('-') => op[1..].to_string(),
            _ => raw.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse::{parse, Keyword};

    const MULTI: &str = "\
ARG BASE=lldf-base:1
ARG TAG=${BASE}-x
FROM ${BASE} AS builder
RUN one
FROM scratch AS other
COPY --from=builder /a /a
FROM Builder AS test
RUN two
FROM test
RUN three
";

    #[test]
    fn the_chain_follows_from_back_to_an_external_image() {
        let file = parse(MULTI).unwrap();
        let chain = file.chain(None).unwrap();
        assert_eq!(chain.base, "lldf-base:1");
        assert_eq!(chain.stages, [0, 2, 3]);
        let args: Vec<&str> = chain.instructions.iter().map(|i| i.args.as_str()).collect();
        assert_eq!(args, ["one", "two", "three"]);
        assert_eq!(file.final_chain(None).len(), 3);

        let other = file.chain(Some("OTHER")).unwrap();
        assert_eq!(
            (other.base.as_str(), other.stages.as_slice()),
            ("scratch", &[1][..])
        );
        assert_eq!(other.instructions[0].keyword, Keyword::Copy);
        assert!(file.final_chain(Some("missing")).is_empty());
        assert_eq!(
            file.chain_base(Some("test")).as_deref(),
            Some("lldf-base:1")
        );
    }

    #[test]
    fn bases_take_global_defaults_and_keep_unknown_references() {
        let file = parse(
            "ARG A=img\nARG B=${A}:2\nARG C\nFROM $B\nFROM ${C}\nFROM ${C:-fallback}\nFROM $A",
        )
        .unwrap();
        let bases: Vec<String> = (0..4).map(|i| file.resolved_base(i)).collect();
        assert_eq!(bases, ["img:2", "${C}", "fallback", "img"]);
    }

    #[test]
    fn a_stage_named_like_itself_is_an_image() {
        // `FROM app AS app` names the image `app`, not the stage being defined.
        let file = parse("FROM app AS app\nRUN x\n").unwrap();
        let chain = file.chain(None).unwrap();
        assert_eq!(
            (chain.base.as_str(), chain.stages.as_slice()),
            ("app", &[0][..])
        );
    }
}
