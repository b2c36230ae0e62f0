// Every destination type, in one list: the only place that imports the destination folders.
import * as amplitude from '../destinations/amplitude/index.js';
import * as file from '../destinations/file/index.js';
import * as mixpanel from '../destinations/mixpanel/index.js';
import * as postgres from '../destinations/postgres/index.js';
import * as segment from '../destinations/segment/index.js';
import * as webhook from '../destinations/webhook/index.js';
import type { DestinationModule } from './destination-registry.js';

export const DESTINATION_MODULES: readonly DestinationModule[] = [amplitude, mixpanel, segment, webhook, file, postgres];
