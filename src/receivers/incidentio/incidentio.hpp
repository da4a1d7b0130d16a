// incidentio.hpp: incident.io alert sources (Alertmanager 0.29+): the webhook-shaped JSON body (template
// data, version "1", groupKey, truncatedAlerts) posted with the alert source token as a Bearer token.
#pragma once

#include <string>

#include "config/config.hpp"
#include "net/http.hpp"
#include "receivers/notifier.hpp"

namespace tocsin::receivers {

// incident.io refuses bodies over 512 KiB.
constexpr size_t kIncidentioMaxPayloadBytes = 512 * 1024;

// The body, as json.Encoder writes it (exposed for tests). Alerts beyond max_alerts (0: no limit) are
// dropped first and counted in truncatedAlerts; a body still over 512 KiB keeps only the first alert.
std::string incidentio_payload(const NotifyContext& ctx, const AlertList& alerts, uint64_t max_alerts);

// 2xx ok; 429 and 5xx retried; other codes not. The error carries the answer's JSON "message",
// "error" and "errors" joined (nothing when the body is not such JSON).
NotifyResult incidentio_check_response(const net::ClientResponse& resp);

}  // namespace tocsin::receivers
