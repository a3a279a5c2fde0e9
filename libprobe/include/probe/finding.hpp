// Findings and the one catalog that describes every finding ID. The man
// page cfgprobe-diagnostics(7) and `cfgprobe explain ID` both come from it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace probe {

enum class Severity { Error, Warning, Info };
const char* severity_name(Severity s);

struct CatalogEntry {
  std::string_view id;        // FAMILY-NNN, never renumbered or reused
  Severity severity;
  std::string_view title;     // one line
  std::string_view meaning;   // what it means
  std::string_view why;       // why the kernel behaves so (with sources)
  std::string_view fix;       // how to fix it, in general
  std::string_view false_alarm;  // when it is not the problem
};

std::span<const CatalogEntry> catalog();
const CatalogEntry* find_catalog_entry(std::string_view id);

struct Fix {
  std::string command;  // exactly what to type
  std::string note;     // who it affects: "this user only", "last resort"
};

struct Finding {
  std::string id;
  Severity severity = Severity::Error;
  std::string title;
  std::string object;       // the path (or key) it is about
  std::string explanation;  // one sentence about this case
  std::vector<Fix> fixes;   // least privilege first
  int target = -1;          // index into Report::targets, -1: the subject
};

// A finding with its catalog title and severity filled in.
Finding make_finding(std::string_view id, std::string object, std::string explanation,
                     std::vector<Fix> fixes = {});

}  // namespace probe
