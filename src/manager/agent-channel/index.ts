/** The manager side of the agent protocol: a fastify plugin plus the agent registry. */
export { AgentChannel, type AgentChannelOptions, type AgentLiveStatus, type ChannelNotice, type ChannelNoticeType, type EventSink } from './plugin.js'
export { AgentRegistry, type AgentRecord } from './registry.js'
export { EventRate, countingBus } from './rate.js'
export { agentsService, type AgentsServiceOptions } from './service.js'
export { PROTOCOL_PREFIX } from '../../agent/protocol.js'
