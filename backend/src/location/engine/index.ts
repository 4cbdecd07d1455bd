export * from './engine.types';
export { confidenceAt, DEFAULT_ENGINE_CONFIG, isSgtinSupplyUnit } from './engine.config';
export { bleConfidence, LocationEngine, rfidConfidence } from './location-engine';
export { STOCK_ZONE_KINDS } from './topology';
