#pragma once
/// One question as one Markdown file, so teams keep their questions in git (README.md
/// "File format" has an example).
///
///   ---                                   front matter: one JSON object (JSON is also YAML,
///   { "questionId": ..., "title": ...,     so tools that read YAML front matter read it too)
///     "difficulty": ..., "tags": [...], "criteria": [...] }
///   ---
///   <statement Markdown>
///   ## starter: <language>               then sections, each a fenced code block:
///   ## test: <name>                         `hidden: true|false`, `timeoutMs: N` lines,
///                                           `### stdin` and `### expected` blocks
///   ## solution: <language>
///
/// JSON, not a YAML subset: Debian's dependencies have no YAML library, and a hand-written
/// YAML subset would accept files that real YAML reads differently. serialize() is canonical:
/// serialize(parse(f)) == f byte for byte when f is canonical (the starter set is).

#include <string>

#include "questions/question.hpp"

namespace rooms::questions {

/// Parses a question file. A syntax error names the line ("line 12", "expected a fenced code
/// block after \"## starter: python\""); a front-matter field of the wrong type names the
/// field. CRLF line ends read as LF (values then hold LF only). Does not validate() (limits,
/// languages): callers do. Never throws.
decoded<question> parse_markdown(const std::string& text);

/// The canonical file of `q` (solutions included; updatedAt and version are the store's and
/// not written). The statement's trailing blank lines are not kept.
std::string serialize_markdown(const question& q);

}  // namespace rooms::questions
