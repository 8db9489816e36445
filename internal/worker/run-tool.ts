/**
 * The worker's one-shot tools (ffprobe, a one-off ffmpeg) start through internal/process, the one
 * way this tree spawns: a non-zero exit or a timeout is an answer, only a failure to start rejects.
 */
export { runOnce as runTool, isMissingTool, type ToolResult } from '../process/spawn-child.js'
