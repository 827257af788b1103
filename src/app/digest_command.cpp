// `reflexio digest --once [--date D] [--tenant NAME] [--format F] [--output FILE]`: builds one
// tenant's digest of one day now (the scheduler builds them every evening) and prints it or
// writes it to a file. Exit status: 0 built, 1 the build failed, 2 bad usage.
#include <iostream>

#include "app/flags.h"
#include "core/file_util.h"
#include "digest/service.h"

namespace reflexio {

int DigestCommand(const Args& args) {
  CommonFlags flags;
  std::string date = "today", tenant_name, format = "json", output;
  po::options_description options("options");
  options.add_options()
      ("once", po::bool_switch(), "build one digest now (required: the scheduler builds the rest)")
      ("date", po::value(&date)->value_name("DATE"), "today (default), yesterday, or YYYY-MM-DD, in the tenant's zone")
      ("tenant", po::value(&tenant_name)->value_name("NAME"), "whose digest (default: the only tenant)")
      ("format", po::value(&format)->value_name("F"), "json (default), md or pdf")
      ("output", po::value(&output)->value_name("FILE"), "write it to FILE instead of standard output");
  AddCommonFlags(options, flags, false);
  int exit_code = 0;
  auto vars = ParseFlags(args,
                         "usage: reflexio digest --once [--date today|yesterday|YYYY-MM-DD] [--tenant NAME]\n"
                         "                      [--format json|md|pdf] [--output FILE]\n\n"
                         "Builds the digest of a day now — rebuilding it even if one is stored — and prints it.",
                         options, nullptr, exit_code);
  if (!vars) return exit_code;
  if (!(*vars)["once"].as<bool>()) return Fail("say --once: the scheduler builds digests every evening", 2);
  if (format != "json" && format != "md" && format != "pdf") return Fail("--format must be json, md or pdf", 2);
  if (format == "pdf" && output.empty()) return Fail("a PDF needs --output FILE", 2);
  auto config = LoadConfigWithFlags(flags);
  if (!config.ok()) return Fail(config.status().message());
  auto storage = OpenStorage(*config);
  if (!storage.ok()) return Fail(storage.status().message());
  auto tenants = storage->db->ListTenants();
  if (!tenants.ok()) return Fail(tenants.status().message());
  const Tenant* tenant = nullptr;
  for (const Tenant& t : *tenants) {
    if (tenant_name.empty() ? tenants->size() == 1 : t.name == tenant_name) tenant = &t;
  }
  if (tenant == nullptr) {
    return Fail(tenant_name.empty() ? "there are " + std::to_string(tenants->size()) + " tenants: name one with --tenant"
                                    : "no tenant named '" + tenant_name + "'",
                2);
  }
  DigestService service(*storage->db, *config);
  auto day = service.ResolveDate(tenant->id, date);
  if (!day.ok()) return Fail(day.status().message(), 2);
  std::cerr << "building the digest of " << *day << " for tenant " << tenant->name << "\n";
  auto digest = service.Rebuild(tenant->id, *day);
  if (!digest.ok()) return Fail(digest.status().message());
  const std::string& body = format == "md" ? digest->markdown : format == "pdf" ? digest->pdf : digest->content_json;
  if (output.empty()) {
    std::cout << body << (format == "json" ? "\n" : "");
  } else {
    Status written = WriteFileDurably(output, body);
    if (!written.ok()) return Fail(written.message());
    std::cerr << "wrote " << output << " (" << body.size() << " bytes)\n";
  }
  return 0;
}

}  // namespace reflexio
