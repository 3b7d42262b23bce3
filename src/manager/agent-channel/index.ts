/** The manager side of the agent protocol: a fastify plugin plus the agent registry. */
export { AgentChannel, type AgentChannelOptions, type ChannelNotice, type ChannelNoticeType, type EventSink } from './plugin.js'
export { AgentRegistry, type AgentRecord } from './registry.js'
export { PROTOCOL_PREFIX } from '../../agent/protocol.js'
