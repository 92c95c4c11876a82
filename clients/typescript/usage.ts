// How a CRM written in TypeScript calls leadgrade with the generated types
// (`npx openapi-typescript http://127.0.0.1:8000/openapi.json -o leadgrade.d.ts`).
// The test suite compiles this file with `tsc --noEmit` against freshly generated types.
import type { components, operations } from "./leadgrade";

type Lead = components["schemas"]["Lead"];
type Score = components["schemas"]["ScoreOut"];
type ScoreBatch = components["schemas"]["ScoreBatchOut"];
type OutcomeIn = components["schemas"]["OutcomeIn"];
type OutcomeReceipt = components["schemas"]["OutcomeReceipt"];
type LeadHistory = components["schemas"]["LeadOut"];
type ApiError = components["schemas"]["ErrorOut"];

// Each operation answers one schema: the generated operation types say the same.
const batchAnswer: ScoreBatch = {} as operations["scoreLeads"]["responses"][200]["content"]["application/json"];
void batchAnswer;

const BASE = "http://127.0.0.1:8000";
const HEADERS = { "content-type": "application/json", authorization: "Bearer <your key>" };

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${BASE}${path}`, { ...init, headers: { ...HEADERS, ...init.headers } });
  const body: unknown = await response.json();
  if (!response.ok) {
    const { error } = body as ApiError;
    throw new Error(`${response.status} ${error.code}: ${error.message}`);
  }
  return body as T;
}

export function scoreLead(lead: Lead, explain = false): Promise<Score> {
  return call<Score>(`/v1/leads/score?explain=${explain}`, { method: "POST", body: JSON.stringify(lead) });
}

export function scoreLeads(leads: Lead[]): Promise<ScoreBatch> {
  return call<ScoreBatch>("/v1/leads/score/batch", { method: "POST", body: JSON.stringify(leads) });
}

export function postOutcome(leadId: string, event: OutcomeIn, idempotencyKey: string): Promise<OutcomeReceipt> {
  return call<OutcomeReceipt>(`/v1/leads/${encodeURIComponent(leadId)}/outcome`, {
    method: "POST",
    headers: { "Idempotency-Key": idempotencyKey },
    body: JSON.stringify(event),
  });
}

export function getLead(leadId: string): Promise<LeadHistory> {
  return call<LeadHistory>(`/v1/leads/${encodeURIComponent(leadId)}`);
}

// What the CRM writes back on the lead record.
export function crmFields(score: Score): Record<string, string | number> {
  const route = score.route;
  const next = route.queue === "sales" ? `sales within ${route.follow_up_within_hours ?? 24} h` : `nurture: ${route.track ?? "general"}`;
  const why = (score.reasons ?? []).map((reason) => reason.sentence).join("\n");
  return { grade: score.grade, score: score.score, next_step: next, why, model_version: score.model.version ?? "file" };
}

export async function onLeadCreated(): Promise<void> {
  const lead: Lead = { lead_id: "L-1001", email: "ann.smith@hooli.com", job_title: "VP Marketing", employees: 400, demo_requested: true };
  const score = await scoreLead(lead, true);
  console.log(crmFields(score), score.grade);
  const receipt = await postOutcome(lead.lead_id, { outcome: "lost", reason: "Not the right moment" }, "crm-4711");
  const history = await getLead(lead.lead_id);
  // The reasons of the newest explained score are typed like the score's own.
  const latestWhy = (history.latest_reasons ?? []).map((reason) => `${reason.field}: ${reason.sentence}`);
  console.log(receipt.canonical_reason, history.latest_outcome?.outcome, latestWhy);
  const batch = await scoreLeads([lead, { ...lead, lead_id: "L-1002" }]);
  console.log(batch.scores.map((s) => s.grade));
}
