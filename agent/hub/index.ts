export { EmbeddedBroker, type EmbeddedBrokerOptions } from './broker.js';
export { ReferenceHub, type ReferenceHubOptions, type HubStats, type HubEvents, type HubDrop } from './hub.js';
export type { RegisteredFacility } from './registry.js';
export { HubDb, type HubEventRow } from './hub-db.js';
export type { FacilityView, ResendRange } from './facilities.js';
export type { FacilitySummary, RecentEvent } from './summary.js';
export { startHubHttp, parseHostPort, DEFAULT_EVENT_LIMIT, MAX_EVENT_LIMIT, type HubHttp, type HubReadModel } from './http.js';
export { formatHubStatus } from './status-table.js';
export { startHubUpload, type HubUpload, type UploadTarget } from './upload-server.js';
