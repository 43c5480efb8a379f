// Writes the differential fixture for rooms::actors::changeset: random documents and change sets
// run through the real @codemirror/state, one JSON object per line.
//
//   node generate.mjs <seed> <output.jsonl> [changeset cases, default 12000]
//
// Deterministic for a given seed and package-lock. Line kinds:
//   {"kind":"changes", "id", "doc", "changes" | "changes_text", "valid", ...expected values}
//   {"kind":"utf8", "id", "bytes":hex, "utf16":[units]}     TextDecoder (WHATWG) decoding
//   {"kind":"utf16", "id", "utf16":[units], "bytes":hex}    TextEncoder (lone surrogates -> U+FFFD)
// A document is a JSON string when it is well-formed UTF-16, otherwise an array of code units
// (JSON text cannot carry a lone surrogate through a strict parser).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const [seedArg, outPath, countArg] = process.argv.slice(2);
if (seedArg === undefined || outPath === undefined || !/^\d+$/.test(seedArg)) {
  console.error("usage: node generate.mjs <seed (unsigned integer)> <output.jsonl> [cases]");
  process.exit(2);
}
const caseCount = countArg === undefined ? 12000 : Number(countArg);

let ChangeSet, Text;
try {
  ({ ChangeSet, Text } = await import("@codemirror/state"));
} catch (error) {
  console.error(`cannot load @codemirror/state (${error.code ?? error.message}): ` +
                "tests/differential/node_modules is missing: run tools/bootstrap " +
                "(or npm ci in tests/differential)");
  process.exit(1);
}

// mulberry32: tiny, seedable, good enough to spread test cases.
let state = Number(BigInt(seedArg) & 0xffffffffn) >>> 0;
function random() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(random() * n); // 0 .. n-1
const between = (lo, hi) => lo + int(hi - lo + 1); // lo .. hi
const chance = (p) => random() < p;
const pick = (items) => items[int(items.length)];

// Weighted so that short lines, multi-byte text and surrogate pairs all show up often.
const ALPHABET = [
  ..."abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 ;(){}=+-_.,'\"\\/".split(""),
  "\n", "\n", "\n", "\t", "\r",
  "é", "ü", "ß", "€", "中", "文", "字",
  "😀", "🎉", "𝄞", "👍🏽", "🇫🇷",
];

function randomText(maxUnits) {
  let text = "";
  const target = int(maxUnits + 1);
  while (text.length < target) text += pick(ALPHABET);
  return text;
}

function randomDoc() {
  const r = random();
  if (r < 0.08) return "";
  if (r < 0.12) return randomText(2);
  if (r < 0.9) return randomText(80);
  return randomText(1500);
}

// Positions between code points: a well-behaved editor never splits a surrogate pair.
function boundaries(doc) {
  const result = [0];
  for (let i = 0; i < doc.length; ) {
    const code = doc.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < doc.length &&
      doc.charCodeAt(i + 1) >= 0xdc00 && doc.charCodeAt(i + 1) <= 0xdfff;
    i += pair ? 2 : 1;
    result.push(i);
  }
  return result;
}

function allPositions(doc) {
  return Array.from({ length: doc.length + 1 }, (_, i) => i);
}

function randomInsert() {
  const r = random();
  if (r < 0.35) return "";
  if (r < 0.55) return pick(ALPHABET);
  if (r < 0.6) return "\n";
  if (r < 0.65) return "\r\n"; // CodeMirror turns it into one line break
  if (r < 0.95) return randomText(12);
  return randomText(200);
}

// Change specs for ChangeSet.of: they may overlap, repeat a position or come in any order; of()
// sorts that out the way a CodeMirror transaction would.
function randomSpecs(doc, positions) {
  const specs = [];
  const count = chance(0.1) ? between(8, 40) : between(0, 4);
  for (let i = 0; i < count; i++) {
    let from = pick(positions);
    let to = chance(0.4) ? from : pick(positions);
    if (to < from) [from, to] = [to, from];
    specs.push({ from, to, insert: randomInsert() });
    if (chance(0.15)) {
      // Another change at the very same spot: insert/insert or insert/delete collisions.
      const other = chance(0.5) ? { from, insert: randomInsert() || "x" }
                                : { from, to: pick(positions.filter((p) => p >= from)), insert: "" };
      specs.push(other);
    }
  }
  if (!chance(0.3)) specs.sort((a, b) => a.from - b.from);
  return specs;
}

function applyTo(doc, changes) {
  return changes.apply(Text.of(doc.split("\n"))).toString();
}

// A set as CodeMirror builds it for one transaction, or several composed with compose().
function randomChangeSet(doc, positionsOf) {
  if (chance(0.03)) return { changes: ChangeSet.empty(doc.length), composed: 0 };
  const steps = chance(0.4) ? between(2, 5) : 1;
  let total = null;
  let current = doc;
  for (let i = 0; i < steps; i++) {
    const set = ChangeSet.of(randomSpecs(current, positionsOf(current)), current.length);
    total = total ? total.compose(set) : set;
    current = applyTo(current, set);
  }
  return { changes: total, composed: steps > 1 ? steps : 0 };
}

function isWellFormed(text) {
  return text.isWellFormed();
}

function encodeDoc(doc) {
  if (isWellFormed(doc)) return doc;
  return Array.from({ length: doc.length }, (_, i) => doc.charCodeAt(i));
}

function insertedLength(changes) {
  let total = 0;
  changes.iterChanges((fromA, toA, fromB, toB) => { total += toB - fromB; }, true);
  return total;
}

// "Changes nothing": CodeMirror's own empty is structural ([[0]] or [1, 2] are not empty to
// it), so rebuild the set from its individual changes, which drops no-op parts, and ask that.
function changesNothing(changes) {
  const specs = [];
  changes.iterChanges((fromA, toA, fromB, toB, text) => {
    specs.push({ from: fromA, to: toA, insert: text });
  }, true);
  return ChangeSet.of(specs, changes.length).empty;
}

// Positions worth mapping: the ends, the edges of every change and a few random ones.
function mapPositions(changes) {
  const interesting = new Set([0, changes.length]);
  changes.iterChangedRanges((fromA, toA) => {
    for (const p of [fromA - 1, fromA, fromA + 1, toA - 1, toA, toA + 1]) {
      if (p >= 0 && p <= changes.length) interesting.add(p);
    }
  }, true);
  let chosen = [...interesting];
  // Keep ~10, shuffled deterministically, then top up with random positions.
  for (let i = chosen.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [chosen[i], chosen[j]] = [chosen[j], chosen[i]];
  }
  chosen = chosen.slice(0, 8);
  while (chosen.length < 10) chosen.push(int(changes.length + 1));
  return chosen.map((p) => [p, changes.mapPos(p, -1), changes.mapPos(p, 1)]);
}

let nextId = 0;
const lines = [];
const counts = {};
function emit(record) {
  counts[record.kind + (record.family ? "/" + record.family : "")] =
    (counts[record.kind + (record.family ? "/" + record.family : "")] ?? 0) + 1;
  lines.push(JSON.stringify({ id: nextId++, ...record }));
}

// The expected values for a change set that parsed; `doc` may or may not fit it.
function expectations(doc, changes) {
  const fits = doc.length === changes.length;
  return {
    valid: true,
    result: fits ? encodeDoc(applyTo(doc, changes)) : null,
    json: changes.toJSON(),
    length: changes.length,
    newLength: changes.newLength,
    empty: changesNothing(changes),
    insertedLength: insertedLength(changes),
    maps: mapPositions(changes),
  };
}

function wellFormedJson(json) {
  return JSON.stringify(json) === JSON.stringify(json, (k, v) =>
    typeof v === "string" && !isWellFormed(v) ? null : v);
}

// -- families of change-set cases --

// Edits on code-point boundaries of well-formed documents, single or composed.
function boundaryCase() {
  const doc = randomDoc();
  const { changes, composed } = randomChangeSet(doc, boundaries);
  emit({ kind: "changes", family: composed ? "composed" : "boundary", doc: encodeDoc(doc),
         changes: changes.toJSON(), ...expectations(doc, changes) });
}

// Edits at any code unit, splitting surrogate pairs; the document may already hold lone halves.
function splitCase() {
  let doc = randomDoc();
  if (chance(0.3) && doc.length) {
    const at = int(doc.length);
    doc = doc.slice(0, at) + pick(["\ud83d", "\ude00", "\udbff"]) + doc.slice(at);
  }
  const changes = ChangeSet.of(randomSpecs(doc, allPositions(doc)), doc.length);
  const json = changes.toJSON();
  if (!wellFormedJson(json)) return false; // cannot be sent as strict JSON: not a real input
  emit({ kind: "changes", family: "split", doc: encodeDoc(doc), changes: json,
         ...expectations(doc, changes) });
  return true;
}

// A valid change set offered to a document of another length: apply must refuse it.
function mismatchCase() {
  const doc = randomDoc();
  const { changes } = randomChangeSet(doc, boundaries);
  let other = doc;
  while (other.length === doc.length) {
    other = chance(0.5) && doc.length ? doc.slice(0, int(doc.length)) : doc + randomText(5) + "x";
  }
  emit({ kind: "changes", family: "mismatch", doc: encodeDoc(other), changes: changes.toJSON(),
         ...expectations(other, changes) });
}

const MAX_LENGTH = 2 ** 31;
function strictlyValid(json) {
  const length = (v) => Number.isInteger(v) && v >= 0 && v <= MAX_LENGTH;
  if (!Array.isArray(json)) return false;
  return json.every((part) => typeof part === "number" ? length(part)
    : Array.isArray(part) && part.length >= 1 && typeof part[0] === "number" && length(part[0]) &&
      part.slice(1).every((line) => typeof line === "string"));
}

// Parse verdict: what CodeMirror's fromJSON refuses, plus what it would take but the server
// must not (non-integer, negative, or absurdly large lengths).
function parseVerdict(json) {
  let changes = null;
  try {
    changes = ChangeSet.fromJSON(json);
  } catch {
    return null;
  }
  return strictlyValid(json) ? changes : null;
}

// A valid set with one element spoiled.
function corruptedCase() {
  const doc = randomDoc();
  const { changes } = randomChangeSet(doc, boundaries);
  const json = changes.toJSON();
  const spoilers = [-1, -7, 1.5, 0.5, true, false, null, "3", {}, [], MAX_LENGTH + 1, 2 ** 53];
  if (json.length === 0 || chance(0.1)) {
    json.push(pick(spoilers));
  } else {
    const i = int(json.length);
    const part = json[i];
    if (typeof part === "number" || chance(0.5)) {
      if (Array.isArray(part)) part[0] = pick(spoilers);
      else json[i] = pick(spoilers);
    } else if (part.length > 1 && chance(0.6)) {
      part[between(1, part.length - 1)] = pick([1, null, true, ["a"], { a: 1 }]);
    } else {
      json[i] = pick([[], [[1]], [part], { part }]);
    }
  }
  const verdict = parseVerdict(json);
  if (verdict) {
    emit({ kind: "changes", family: "odd", doc: encodeDoc(doc), changes: json, ...expectations(doc, verdict) });
  } else {
    emit({ kind: "changes", family: "malformed", changes: json, valid: false });
  }
}

// Hand-written inputs: JSON text that JSON.stringify cannot produce, and odd-but-valid shapes.
const HANDWRITTEN = [
  "[3.0]", "[1e2]", "[[2.0]]", "[[1E1,\"a\"]]", "[-0.0]", "[true]", "[false]", "[null]",
  "[[true,\"a\"]]", "[\"3\"]", "[[\"3\"]]", "[[3,\"a\",4]]", "[[3,\"a\",[\"b\"]]]", "[[]]", "{}",
  "{\"0\":1}", "\"[1]\"", "1", "null", "true", "[-1]", "[[-1]]", "[[-1,\"a\"]]", "[2147483649]",
  "[[2147483649]]", "[18446744073709551615]", "[[18446744073709551616]]", "[1,[2],-3]",
  "[[1,\"a\"],{\"a\":1}]", "[0.1]", "[9007199254740993]",
  // valid, and a little unusual
  "[]", "[0]", "[[0]]", "[0,0]", "[1,2]", "[[1],[2]]", "[[0,\"\"]]", "[[3,\"\"]]", "[[0,\"\",\"\"]]",
  "[[0,\"a\"],[0,\"b\"]]", "[[1,\"a\"],[0,\"b\"],1]", "[[0,\"a\\r\"],1]", "[[0,\"\\u00e9\\ud83d\\ude00\"]]",
  "[2147483648]", "[[2147483648,\"x\"]]", "[-0]", "[[0,\"a\",\"b\",\"\",\"c\"]]",
  // Not here: a line that itself holds "\n". CodeMirror echoes it unsplit, the C++ side
  // re-splits it (the same change, other JSON); changeset_test covers that.
];

function handwrittenCases() {
  for (const text of HANDWRITTEN) {
    const json = JSON.parse(text);
    // A number written with a fraction or exponent is a float to the C++ parser, even "3.0".
    const hasFloat = /[.eE]/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
    const verdict = hasFloat ? null : parseVerdict(json);
    if (verdict) {
      const doc = verdict.length <= 10 ? "a".repeat(verdict.length) : "";
      emit({ kind: "changes", family: "handwritten", doc, changes_text: text,
             ...expectations(doc, verdict) });
    } else {
      emit({ kind: "changes", family: "handwritten", changes_text: text, valid: false });
    }
  }
}

// -- UTF conversions against the platform's WHATWG encoders --

const hex = (bytes) => Buffer.from(bytes).toString("hex");

function utf8Case() {
  const bytes = [];
  const count = int(24);
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.3) bytes.push(int(0x80));
    else if (r < 0.6) bytes.push(...Buffer.from(pick(ALPHABET)));
    else if (r < 0.8) bytes.push(0x80 + int(0x80));
    else bytes.push(pick([0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
                          0x80, 0x9f, 0xa0, 0xbf, 0x8f, 0x90]));
  }
  const decoded = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(
    Uint8Array.from(bytes));
  emit({ kind: "utf8", bytes: hex(bytes),
         utf16: Array.from({ length: decoded.length }, (_, i) => decoded.charCodeAt(i)) });
}

function utf16Case() {
  const units = [];
  const count = int(16);
  for (let i = 0; i < count; i++) {
    const r = random();
    if (r < 0.4) units.push(...Array.from(pick(ALPHABET), (c) => c.charCodeAt(0)));
    else if (r < 0.7) units.push(0xd800 + int(0x800));
    else units.push(int(0x10000));
  }
  const text = String.fromCharCode(...units);
  emit({ kind: "utf16", utf16: units, bytes: hex(new TextEncoder().encode(text)) });
}

// -- main --

const started = process.hrtime.bigint();
handwrittenCases();
let skipped = 0;
for (let made = HANDWRITTEN.length; made < caseCount; made++) {
  const r = random();
  if (r < 0.6) boundaryCase();
  else if (r < 0.8) {
    while (!splitCase()) skipped++;
  } else if (r < 0.9) mismatchCase();
  else corruptedCase();
}
for (let i = 0; i < 1000; i++) utf8Case();
for (let i = 0; i < 1000; i++) utf16Case();

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, lines.join("\n") + "\n");
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.log(`wrote ${lines.length} cases to ${outPath} in ${ms.toFixed(0)} ms (seed ${seedArg}, ` +
            `${skipped} split cases redrawn)`);
console.log(Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(", "));
