// mangen: writes cfgprobe-diagnostics(7) (mdoc) from the finding catalog, so
// the page and `cfgprobe explain ID` come from one source. Run by meson at
// build time (man/meson.build); not installed.
//   mangen DATE OUTPUT      DATE as mdoc wants it: "December 4, 2026"
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "probe/finding.hpp"

namespace {

// Text for an mdoc text line (mdoc(7), roff(7)): a backslash becomes \e, a
// control character a space.
std::string roff_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\e";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += ' ';
    else out += c;
  }
  return out;
}

// A text line starting with '.' or '\'' would be read as a request: a
// zero-width \& goes in front.
std::string lead_escape(std::string line) {
  if (!line.empty() && (line[0] == '.' || line[0] == '\'')) line.insert(0, "\\&");
  return line;
}

// `code` spans become bold (\fB...\fP), as commands are set in the other pages.
std::string with_code(std::string_view s) {
  std::string out;
  bool open = false;
  for (char c : s) {
    if (c == '`') {
      out += open ? "\\fP" : "\\fB";
      open = !open;
    } else {
      out += c;
    }
  }
  if (open) out += "\\fP";
  return out;
}

bool ends_sentence(std::string_view text, size_t i) {
  // ". X" with X upper-case, after a word that is not an abbreviation.
  if (i + 2 >= text.size() || text[i + 1] != ' ') return false;
  if (!(text[i + 2] >= 'A' && text[i + 2] <= 'Z')) return false;
  for (std::string_view abbr : {"e.g", "i.e", "etc", "vs"})
    if (i >= abbr.size() && text.substr(i - abbr.size(), abbr.size()) == abbr) return false;
  return true;
}

// mdoc wants each sentence on its own line ("new sentence, new line").
std::vector<std::string> sentences(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '.' || text[i] == '?' || text[i] == '!') && ends_sentence(text, i)) {
      out.emplace_back(text.substr(start, i + 1 - start));
      start = i + 2;
    }
  }
  if (start < text.size()) out.emplace_back(text.substr(start));
  return out;
}

// Input lines of at most 80 bytes (mandoc -Tlint), broken at spaces; a
// word longer than that stays whole.
std::vector<std::string> wrap(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream words(s);
  std::string line;
  for (std::string w; words >> w;) {
    if (!line.empty() && line.size() + 1 + w.size() > 80) {
      out.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + w;
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

bool is_delimiter(char c) { return std::string_view(".,;:)]?!").find(c) != std::string_view::npos; }

// "name()" with an optional "(" before and a tail after ("generic_permission().",
// "(path_noexec());", "stat()ing") as an .Fn macro line, so the page marks
// kernel functions up as functions; "" when the word is not one.
std::string fn_macro(const std::string& word) {
  size_t b = word.rfind("()");
  size_t start = word[0] == '(' ? 1 : 0;
  if (b == std::string::npos || b <= start) return "";
  for (size_t i = start; i < b; ++i)
    if (!(std::isalnum(static_cast<unsigned char>(word[i])) || word[i] == '_')) return "";
  std::string line = start ? ".Pf ( Fn " : ".Fn ";
  line += word.substr(start, b - start);
  std::string tail = word.substr(b + 2);
  size_t letters = 0;
  while (letters < tail.size() && std::isalpha(static_cast<unsigned char>(tail[letters]))) ++letters;
  if (letters > 0) line += " Ns " + tail.substr(0, letters);
  for (size_t i = letters; i < tail.size(); ++i) {
    if (!is_delimiter(tail[i])) return line + " Ns " + tail.substr(i);
    line += std::string(" ") + tail[i];
  }
  return line;
}

// A word too long for a line (a JSON snippet, a long path) may break after
// a comma or a slash: \: is a break point that prints nothing.
std::string break_points(const std::string& w) {
  if (w.size() <= 40) return w;
  std::string out;
  for (char c : w) {
    out += c;
    if (c == ',' || c == '/') out += "\\:";
  }
  return out;
}

// One sentence: text lines, with kernel function names on .Fn lines.
void sentence(std::ostream& o, const std::string& s) {
  std::istringstream words(s);
  std::string text;
  auto flush = [&] {
    for (const auto& line : wrap(text)) o << lead_escape(line) << "\n";
    text.clear();
  };
  for (std::string w; words >> w;) {
    if (std::string fn = fn_macro(w); !fn.empty()) {
      flush();
      o << fn << "\n";
    } else {
      // \% before each word: no hyphenation, so "--config" or "setfacl"
      // never break at a line end and paste back as written.
      text += (text.empty() ? "\\%" : " \\%") + break_points(w);
    }
  }
  flush();
}

void paragraph(std::ostream& o, std::string_view text) {
  for (const auto& s : sentences(text)) sentence(o, with_code(roff_escape(s)));
}

std::string family_of(std::string_view id) { return std::string(id.substr(0, id.find('-'))); }

// Section titles for the families known today; a new family gets a plain
// heading until it is named here.
std::string family_title(const std::string& f) {
  static const std::map<std::string, std::string> kTitles{
      {"NS", "NAMESPACES AND PATHS"}, {"DAC", "FILE MODE BITS"}, {"ACL", "POSIX ACLS"},
      {"CAP", "CAPABILITIES"},        {"VFY", "KERNEL VERIFICATION"}, {"EXE", "THE EXECUTABLE"},
      {"SCMP", "SECCOMP"},            {"SEL", "SELINUX"},        {"AA", "APPARMOR"},
      {"KEY", "KERNEL KEYRING"},      {"AGE", "ENCRYPTED CONFIGS"}};
  auto it = kTitles.find(f);
  return (it == kTitles.end() ? f + " FINDINGS" : it->second) + " (" + f + "-)";
}

void entry(std::ostream& o, const probe::CatalogEntry& e) {
  o << ".Ss " << roff_escape(e.id) << "\n";
  // On a text line, not a macro line: words of a title must not be read as
  // mdoc macros (No, Ar, ...) or delimiters.
  sentence(o, roff_escape(e.title) + " (" + probe::severity_name(e.severity) + ")");
  o << ".Bl -tag -width Ds\n";
  const std::pair<const char*, std::string_view> parts[] = {
      {"What it means", e.meaning}, {"Why", e.why}, {"Fix", e.fix}, {"False alarm", e.false_alarm}};
  for (const auto& [label, text] : parts) {
    o << ".It " << label << "\n";
    paragraph(o, text);
  }
  o << ".El\n";
}

void page(std::ostream& o, const std::string& date) {
  o << ".\\\" Generated by tools/mangen from the finding catalog (libprobe/src/catalog*.{cpp,inc}).\n"
       ".\\\" Do not edit: change the catalog and rebuild.\n"
    << ".Dd " << roff_escape(date) << "\n"
    << ".Dt CFGPROBE-DIAGNOSTICS 7\n.Os\n"
       ".Sh NAME\n.Nm cfgprobe-diagnostics\n.Nd every finding cfgprobe reports, and how to fix it\n"
       ".Sh DESCRIPTION\n"
       "Each finding that\n.Xr cfgprobe 8\nprints has a stable identifier of the form\n"
       ".Ar FAMILY Ns - Ns Ar NNN .\n"
       "Identifiers are never renumbered or reused.\n"
       "This page holds the same text as\n.Ic cfgprobe explain Ar ID ,\n"
       "generated from the one catalog in the code.\n"
       "For every finding it says what it means, why the kernel behaves so,\n"
       "how to fix it, and when it is a false alarm.\n"
       "The fix lines in a real report are written for the path and the subject at hand,\n"
       "least privilege first.\n";
  // One section per family, in the order the catalog first names them.
  std::vector<std::string> families;
  for (const auto& e : probe::catalog())
    if (std::find(families.begin(), families.end(), family_of(e.id)) == families.end())
      families.push_back(family_of(e.id));
  for (const auto& f : families) {
    o << ".Sh " << family_title(f) << "\n";
    for (const auto& e : probe::catalog())
      if (family_of(e.id) == f) entry(o, e);
  }
  o << ".Sh SEE ALSO\n.Xr libprobe 3 ,\n.Xr cfgprobe 8\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: mangen DATE OUTPUT\n";
    return 2;
  }
  // A finding without its text is a defect the page would hide: stop the
  // build and name it.
  int missing = 0;
  for (const auto& e : probe::catalog())
    for (std::string_view field : {e.title, e.meaning, e.why, e.fix, e.false_alarm})
      if (field.empty()) {
        std::cerr << "mangen: " << e.id << " has an empty catalog field\n";
        ++missing;
        break;
      }
  if (missing > 0) return 1;
  std::ostringstream text;
  page(text, argv[1]);
  std::ofstream out(argv[2], std::ios::trunc);
  out << text.str();
  out.close();
  if (!out) {
    std::cerr << "mangen: cannot write " << argv[2] << "\n";
    return 1;
  }
  return 0;
}
