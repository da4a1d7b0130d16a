// data.hpp: the data a notification template sees, Alertmanager's template.Data: .Receiver, .Status,
// .Alerts (with .Firing/.Resolved), .GroupLabels/.CommonLabels/.CommonAnnotations (KV with .SortedPairs,
// .Names, .Values, .Remove) and .ExternalURL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/labels.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "template/value.hpp"

namespace tocsin::tmpl {

struct AlertData {
  std::string status;  // "firing" or "resolved"
  LabelSet labels, annotations;
  TimePoint starts_at, ends_at;
  std::string generator_url, fingerprint;
  // The UTC offset a time was written with ("+01:00"), when not "Z": Go keeps it (in the local zone when
  // that has the same offset then, else as a nameless fixed zone).
  std::optional<int> starts_offset, ends_offset;
  // Times taken from the clock, as Go's time.Now() gives them: in the local zone, with a monotonic
  // reading (nanoseconds from process start). amtool's example data has them.
  bool local_now = false;
  int64_t starts_mono = 0, ends_mono = 0;
};

struct NotificationData {
  std::string receiver, status, external_url;
  std::vector<AlertData> alerts;
  LabelSet group_labels, common_labels, common_annotations;
};

// The Value templates evaluate for a notification.
Value make_data(const NotificationData& data);
// One alert as templates see it (a template.Alert).
Value make_alert(const AlertData& alert);
// A label set as a template.KV.
Value make_kv(const LabelSet& kv);

// Fills status ("firing" when any alert fires, else "resolved"), common_labels and common_annotations
// (the pairs every alert shares) from data.alerts, as the reference's Template.Data() does.
void fill_common(NotificationData& data);

// Go's regexp.QuoteMeta, which the reference applies to the receiver name in template data.
std::string quote_meta(std::string_view s);

// The data of one notification as the reference's Template.Data() builds it: the receiver name
// QuoteMeta'd, the group labels, the alerts in order, then status and common labels/annotations.
NotificationData build_data(std::string_view receiver, const LabelSet& group_labels, std::vector<AlertData> alerts,
                            std::string external_url);

// The sample data `amtool template render` uses when given no data file; alerts start 5 and 10 minutes
// before `now` and end at `now`.
NotificationData example_data(TimePoint now);

// Reads a notification in the webhook payload's JSON shape (receiver, status, alerts[], groupLabels,
// commonLabels, commonAnnotations, externalURL; alert times in RFC 3339).
Result<NotificationData> data_from_json(std::string_view json);

}  // namespace tocsin::tmpl
