#include "llm/prompts.h"

namespace reflexio::prompts {

using nlohmann::json;

std::string System(const std::string& memory_context) {
  std::string text =
      "You help a person remember their day. You receive a transcript of one conversation they "
      "recorded, one utterance per line as `U<n> [time]: words`; lines marked (uncertain) may be "
      "misheard. Use only what the transcript says. Every item you give must cite the numbers of "
      "the utterances that support it in `evidence`. Answer with one JSON object and nothing else.";
  if (!memory_context.empty()) {
    text += "\n\nWhat you already know about the person (from earlier conversations):\n" + memory_context;
  }
  return text;
}

std::string FirstSummary(const std::string& transcript) {
  return "Transcript:\n" + transcript +
         "\n\nWrite a short summary (one or two sentences) of this conversation. Also list in "
         "`missing_entities` up to three informative names, things or facts from the transcript "
         "that the summary leaves out.";
}

std::string DenserSummary(const std::string& transcript, const std::string& previous_summary) {
  return "Transcript:\n" + transcript + "\n\nPrevious summary:\n" + previous_summary +
         "\n\nRewrite the summary at the same length so that it also carries one to three "
         "informative entities from the transcript it lacks: fuse and compress, drop filler, never "
         "drop an entity already in it. List what is still missing in `missing_entities`.";
}

const json& SummarySchema() {
  static const json schema = json::parse(R"({
    "type": "object",
    "required": ["summary", "evidence"],
    "properties": {
      "summary": {"type": "string", "minLength": 1},
      "evidence": {"type": "array", "items": {"type": "integer", "minimum": 1}},
      "missing_entities": {"type": "array", "items": {"type": "string"}}
    }
  })");
  return schema;
}

std::string Extraction(const std::string& transcript) {
  return R"(Extract what matters from the conversation. Example:
Transcript:
U1 [09:00:05]: remind me to send the invoice to maria on friday
U2 [09:00:11]: the meeting at the office was exhausting
Answer:
{"topics":[{"text":"invoice","evidence":[1]}],
 "people":[{"name":"Maria","relation":"","evidence":[1]}],
 "places":[{"name":"office","evidence":[2]}],
 "actions":[{"who":"me","what":"send the invoice to Maria","commitment":true,"due_phrase":"on friday","evidence":[1]}],
 "preferences":[],
 "emotion":{"valence":-0.4,"emotions":["stress"],"evidence":[2]},
 "urgency":"medium"}

Rules: `who` is "me" for the person recording, "we", "you" for someone asked, or a name;
`due_phrase` repeats the words that say when (empty if none) — do not compute dates;
`preferences` are what the person says they like or dislike (`polarity` likes or dislikes);
`valence` is from -1 (very negative) to 1 (very positive); urgency is low, medium or high.

Transcript:
)" + transcript + "\nAnswer:";
}

const json& ExtractionSchema() {
  static const json schema = json::parse(R"({
    "type": "object",
    "required": ["topics", "people", "places", "actions", "emotion", "urgency"],
    "properties": {
      "topics": {"type": "array", "items": {"type": "object", "required": ["text", "evidence"],
        "properties": {"text": {"type": "string", "minLength": 1},
                       "evidence": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}}}},
      "people": {"type": "array", "items": {"type": "object", "required": ["name", "evidence"],
        "properties": {"name": {"type": "string", "minLength": 1}, "relation": {"type": "string"},
                       "evidence": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}}}},
      "places": {"type": "array", "items": {"type": "object", "required": ["name", "evidence"],
        "properties": {"name": {"type": "string", "minLength": 1},
                       "evidence": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}}}},
      "actions": {"type": "array", "items": {"type": "object", "required": ["who", "what", "commitment", "evidence"],
        "properties": {"who": {"type": "string", "minLength": 1}, "what": {"type": "string", "minLength": 1},
                       "commitment": {"type": "boolean"}, "due_phrase": {"type": "string"},
                       "evidence": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}}}},
      "preferences": {"type": "array", "items": {"type": "object", "required": ["what", "polarity", "evidence"],
        "properties": {"what": {"type": "string", "minLength": 1}, "polarity": {"type": "string", "enum": ["likes", "dislikes"]},
                       "evidence": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 1}}}}},
      "emotion": {"type": "object", "required": ["valence", "emotions", "evidence"],
        "properties": {"valence": {"type": "number", "minimum": -1, "maximum": 1},
                       "emotions": {"type": "array", "items": {"type": "string", "enum": ["joy", "gratitude",
                         "love", "surprise", "sadness", "anger", "fear", "disgust", "stress", "neutral"]}},
                       "evidence": {"type": "array", "items": {"type": "integer", "minimum": 1}}}},
      "urgency": {"type": "string", "enum": ["low", "medium", "high"]}
    }
  })");
  return schema;
}

std::string Repair(const std::string& problem) {
  return "Your answer cannot be used: " + problem +
         ". Answer again with one JSON object that follows the schema exactly, citing only utterance "
         "numbers that exist and names that occur in the utterances you cite.";
}

std::string Critic(const std::string& transcript, const std::string& extraction) {
  return "Transcript:\n" + transcript + "\n\nAn assistant extracted this from it:\n" + extraction +
         "\n\nCheck it against the transcript. List every item that is unsupported, wrongly "
         "attributed, missing, or cites the wrong utterances, with the problem. An empty list means "
         "it is right.";
}

const json& CriticSchema() {
  static const json schema = json::parse(R"({
    "type": "object",
    "required": ["issues"],
    "properties": {"issues": {"type": "array", "items": {"type": "object", "required": ["item", "problem"],
      "properties": {"item": {"type": "string"}, "problem": {"type": "string"}}}}}
  })");
  return schema;
}

std::string Refiner(const std::string& issues) {
  return "A reviewer found these problems in your extraction:\n" + issues +
         "\n\nGive the corrected extraction as one JSON object in the same schema.";
}

}  // namespace reflexio::prompts
