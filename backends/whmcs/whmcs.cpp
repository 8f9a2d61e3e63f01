// whmcs adapter: validation, request building and answer classification; see whmcs.hpp.
#include "backends/whmcs/whmcs.hpp"

#include <boost/json/serialize.hpp>
#include <string_view>

#include "backends/reconcile_values.hpp"
#include "backends/requests.hpp"
#include "backends/status_rules.hpp"
#include "backends/whmcs/body.hpp"
#include "backends/whmcs/md5.hpp"
#include "backends/whmcs/reconcile.hpp"
#include "backends/whmcs/schema.hpp"

namespace reconcilerd::backends::whmcs {

namespace json = boost::json;

namespace {

// The authentication answers of backends.md; sent with 403, but matched on 200 too so a
// server that answers them with 200 still stops us before the IP gets banned.
bool is_auth_failure(std::string_view message) {
  for (std::string_view p : {"Authentication Failed", "Invalid IP", "Invalid Access Key",
                             "IP Banned", "Invalid Permissions"})
    if (message.starts_with(p)) return true;
  return false;
}

class adapter final : public backends::adapter {
 public:
  explicit adapter(config::backend cfg) : cfg_(std::move(cfg)) {
    if (std::string id = cfg_.param("identifier"); !id.empty()) {
      auth_ = {{"identifier", id}, {"secret", cfg_.secret("secret")}};
    } else {
      auth_ = {{"username", cfg_.param("username")}, {"password", admin_password()}};
    }
    if (std::string key = cfg_.secret("access_key"); !key.empty())
      auth_.emplace_back("accesskey", key);
    if (std::string password = cfg_.secret("password");
        !password.empty() && cfg_.secret("password_md5").empty())
      cfg_.secrets["password_md5"] = md5_hex(password);  // hidden in messages like the password
  }

  std::optional<std::string> validate(const json::object& update) const override {
    auto error = check_update(update, cfg_.strict_fields);
    if (error) *error = redact_secrets(*error, cfg_);
    return error;
  }

  request build(const jobs::job& j) const override {
    form_fields form = common("UpdateInvoice", j);
    for (auto& f : update_fields(j.update)) form.push_back(std::move(f));
    return form_request(target(), form);
  }

  outcome classify(const response& r, const jobs::job&) const override {
    const json::value body = json_body(r.body);
    const json::object* obj = body.if_object();
    std::string result, message;
    if (obj) {
      result = field(*obj, "result");
      if (result.empty()) result = field(*obj, "status");  // GetInvoice's not-found shape
      message = field(*obj, "message");
    }
    if (r.status != 200) {
      std::string said = !message.empty() ? message : excerpt(r.body);
      std::string what = r.status == 403
                             ? "WHMCS refused the credentials or this client (HTTP 403): "
                             : "WHMCS answered HTTP " + std::to_string(r.status) + ": ";
      return classify_status(r, what + said);
    }
    outcome o;
    o.kind = outcome_kind::retry;
    if (!obj) {
      o.message = "WHMCS answered HTTP 200 with a body that is not JSON: " + excerpt(r.body);
    } else if (result == "success") {
      o.kind = outcome_kind::delivered;
      std::string id = field(*obj, "invoiceid");
      o.message = id.empty() ? "WHMCS updated the invoice" : "WHMCS updated invoice " + id;
    } else if (result == "error" && is_auth_failure(message)) {
      o.kind = outcome_kind::suspend;  // older WHMCS answers these with HTTP 200
      o.message = "WHMCS refused the credentials or this client: " + message;
    } else if (result == "error") {
      o.kind = outcome_kind::rejected;
      o.message =
          "WHMCS rejected the update: " + (message.empty() ? std::string("(no message)") : message);
    } else {
      o.message = "WHMCS answered HTTP 200 without a result: " + excerpt(r.body);
    }
    return o;
  }

  bool safe_to_repeat(const json::object& update) const override {
    for (auto name : {"newitemdescription", "newitemamount", "newitemtaxed"})
      if (auto* v = update.if_contains(name))
        if (!v->is_array() || !v->get_array().empty()) return false;
    for (auto name : {"publish", "publishandsendemail"})
      if (auto* v = update.if_contains(name))
        if (!(v->is_bool() && !v->get_bool())) return false;
    return true;
  }

  request read_back(const jobs::job& j) const override {
    return form_request(target(), common("GetInvoice", j));
  }

  // GetInvoice: HTTP 200 with "result": "success" and the invoice; its not-found answer
  // uses the key "status" ({"status": "error", "message": "Invoice ID Not Found"}).
  invoice_read read(const response& r, const jobs::job& j) const override {
    if (r.status != 200) return values::not_read(classify(r, j));
    const std::string what = "the read-back of invoice " + j.invoice_id;
    const json::value body = json_body(r.body);
    const json::object* obj = body.if_object();
    if (!obj)
      return values::unreadable("WHMCS answered " + what +
                                " with a body that is not JSON: " + excerpt(r.body));
    std::string result = field(*obj, "result");
    const std::string message = field(*obj, "message");
    if (result.empty() && field(*obj, "status") == "error") result = "error";
    if (result == "error") {
      outcome o;
      if (is_auth_failure(message)) {
        o.kind = outcome_kind::suspend;
        o.message = "WHMCS refused the credentials or this client: " + message;
      } else {
        o.kind = outcome_kind::rejected;
        o.message = message.starts_with("Invoice ID Not Found")
                        ? "WHMCS has no invoice " + j.invoice_id + " (" + message + ")"
                        : "WHMCS refused " + what + ": " +
                              (message.empty() ? std::string("(no message)") : message);
      }
      return values::not_read(std::move(o));
    }
    if (result != "success")
      return values::unreadable("WHMCS answered " + what + " without a result: " + excerpt(r.body));
    auto view = invoice_view(*obj, j.invoice_id);
    if (auto* error = std::get_if<std::string>(&view))
      return values::unreadable(
          redact_secrets(body_excerpt(redact_secrets("WHMCS answered " + what +
                                                         " with an invoice that cannot "
                                                         "be read: " +
                                                         *error,
                                                     cfg_),
                                      600),
                         cfg_));
    return values::read_ok(std::move(std::get<json::object>(view)));
  }

  applied_judgement judge(const json::object& before, const json::object& after,
                          const json::object& update) const override {
    applied_judgement out = judge_update(before, after, update);
    out.seen = redact_secrets(out.seen, cfg_);
    return out;
  }

  std::optional<json::object> fold(const json::object& older,
                                   const json::object& newer) const override {
    if (!safe_to_repeat(older) || !safe_to_repeat(newer)) return std::nullopt;
    return fold_updates(older, newer);
  }

  bool unchanged(const json::object& invoice, const json::object& update) const override {
    return safe_to_repeat(update) && shows_update(invoice, update);
  }

 private:
  // The admin-login form takes the MD5 hash of the password (backends.md): `password` is
  // hashed here, `password_md5` is sent as given (lower case). The hash is as good as the
  // password to WHMCS, so it joins the secrets redact_secrets() hides. Settings redacted for
  // `render` show the mask itself, not the hash of the mask.
  std::string admin_password() {
    static constexpr std::string_view mask = "<redacted>";
    std::string hash = cfg_.secret("password_md5");
    std::string password = cfg_.secret("password");
    if (hash == mask || (hash.empty() && password == mask)) return std::string(mask);
    if (hash.empty() && !password.empty()) hash = md5_hex(password);
    for (char& c : hash)
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!hash.empty()) cfg_.secrets["password_md5"] = hash;
    return hash;
  }

  std::string target() const { return cfg_.base_url.path + "/includes/api.php"; }

  form_fields common(const std::string& action, const jobs::job& j) const {
    form_fields form{{"action", action}};
    form.insert(form.end(), auth_.begin(), auth_.end());
    form.emplace_back("responsetype", "json");
    form.emplace_back("invoiceid", j.invoice_id);
    return form;
  }

  // A member as printable text (redacted, then cut), or "" when absent.
  std::string field(const json::object& obj, std::string_view name) const {
    const json::value* v = obj.if_contains(name);
    if (!v || v->is_null()) return {};
    return redact_secrets(
        body_excerpt(redact_secrets(
            v->is_string() ? std::string(v->get_string()) : json::serialize(*v), cfg_)),
        cfg_);
  }

  std::string excerpt(std::string_view body) const {
    // Redacted again after the cut: the excerpt turns control characters into spaces, which
    // can complete a secret ("acc/ess\0key" -> "acc/ess key").
    return body.empty() ? std::string("(empty body)")
                        : redact_secrets(body_excerpt(redact_secrets(body, cfg_)), cfg_);
  }

  config::backend cfg_;
  form_fields auth_;
};

}  // namespace

std::unique_ptr<backends::adapter> make_adapter(const config::backend& cfg) {
  return std::make_unique<adapter>(cfg);
}

}  // namespace reconcilerd::backends::whmcs
