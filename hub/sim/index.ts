/**
 * `qmon sim`: a fleet of contract-level facilities (no video) for load tests of a hub: each its own MQTT
 * session, outbox, seqs, birth and heartbeat; optionally a hub outage first (the post-outage herd).
 */
export { SimFacility, type SimFacilityOptions, type SimTls } from './facility.js';
export { runFleet, fleetFids, fleetKeys, type Fleet, type FleetOptions, type FleetSummary } from './fleet.js';
