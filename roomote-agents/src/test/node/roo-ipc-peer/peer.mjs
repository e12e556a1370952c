// A stand-in for Roo Code's IPC server, for Roomote's Roo Code driver tests.
//
// It speaks through the real node-ipc 12.0.0 server (the library the extension uses) and checks every
// message it receives with the real `ipcMessageSchema` of @roo-code/types, as the extension does. Unlike
// the extension, it does not drop a rejected message silently: it records the rejection, prints it and
// exits with code 3, so the Java test fails.
//
// Environment:
//   ROO_CODE_IPC_SOCKET_PATH  where to listen (set by the driver, as for the real extension)
//   ROO_PEER_SCENARIO         complete | split | unknown-event | subtask | abort | crash | hang | no-socket
//   ROO_PEER_RECORD           file receiving one JSON object per line: start, connect, command, rejected, ...
//   ROO_PEER_LISTEN_DELAY_MS  pause before listening (the extension activates a while after launch); default 300
//
// Scenarios run when StartNewTask arrives. CloseTask closes the "window": the peer exits 0 (like
// `code --wait` when its window closes), except in `hang`, which records it and carries on.

import fs from "node:fs"
import crypto from "node:crypto"
import { spawn } from "node:child_process"
import ipc from "node-ipc"
import { ipcMessageSchema } from "@roo-code/types"

const socketPath = process.env.ROO_CODE_IPC_SOCKET_PATH
const scenario = process.env.ROO_PEER_SCENARIO ?? "complete"
const recordPath = process.env.ROO_PEER_RECORD
const listenDelay = Number(process.env.ROO_PEER_LISTEN_DELAY_MS ?? "300")

function record(entry) {
	if (recordPath) {
		fs.appendFileSync(recordPath, JSON.stringify({ at: Date.now(), ...entry }) + "\n")
	}
}

function fail(kind, detail) {
	record({ kind, ...detail })
	console.error(`roo-ipc-peer: ${kind}: ${JSON.stringify(detail)}`)
	process.exit(3)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---------------------------------------------------------------------------------------------------

const clients = new Map() // clientId -> socket
let taskSeq = 0

function listen() {
	ipc.config.silent = true
	ipc.serve(socketPath, () => {
		ipc.server.on("connect", onConnect)
		ipc.server.on("message", onMessage)
		ipc.server.on("socket.disconnected", (socket) => {
			for (const [id, s] of clients) {
				if (s === socket) {
					clients.delete(id)
					record({ kind: "disconnect", clientId: id })
				}
			}
		})
	})
	ipc.server.start()
}

/** Checks a message the peer itself sends: the fixture must be as strict with itself as with the client. */
function checked(message) {
	const result = ipcMessageSchema.safeParse(message)
	if (!result.success) {
		fail("peer-bug", { message, issues: result.error.issues })
	}
	return message
}

function frame(message) {
	// node-ipc's own format: js-message JSON of {type, data}, then the delimiter "\f".
	return JSON.stringify({ type: "message", data: message }) + "\f"
}

function onConnect(socket) {
	const clientId = crypto.randomBytes(6).toString("hex")
	clients.set(clientId, socket)
	record({ kind: "connect", clientId })
	const ack = checked({ type: "Ack", origin: "server", data: { clientId, pid: process.pid, ppid: process.ppid } })
	if (scenario === "split") {
		// The handshake itself arrives in two reads.
		const bytes = Buffer.from(frame(ack), "utf8")
		socket.write(bytes.subarray(0, 7))
		setTimeout(() => socket.write(bytes.subarray(7)), 60)
	} else {
		ipc.server.emit(socket, "message", ack)
	}
}

function onMessage(data, socket) {
	const result = ipcMessageSchema.safeParse(data)
	if (!result.success) {
		fail("rejected", { raw: data, issues: result.error.issues })
	}
	const message = result.data
	const knownClient = typeof data.clientId === "string" && clients.get(data.clientId) === socket
	record({ kind: "command", raw: data, parsed: message, knownClient })
	if (message.type !== "TaskCommand") {
		return
	}
	if (!knownClient) {
		fail("unknown-client", { raw: data })
	}
	const command = message.data
	switch (command.commandName) {
		case "StartNewTask":
			// The extension's trace log echoes the configuration (key included) on VS Code's output.
			console.log(`[API] StartNewTask -> ${JSON.stringify(command.data.configuration)}`)
			run(socket).catch((e) => fail("scenario-error", { error: String(e?.stack ?? e) }))
			break
		case "CancelTask":
			if (current) {
				// The extension aborts the running task; the abort is broadcast.
				emit("taskAborted", [current])
			}
			break
		case "CloseTask":
			if (scenario !== "hang") {
				// The window closes: `code --wait` returns.
				record({ kind: "exit", code: 0 })
				process.exit(0)
			}
			break
	}
}

// ---------------------------------------------------------------------------------------------------

let current

function event(eventName, payload) {
	return { type: "TaskEvent", origin: "server", data: { eventName, payload } }
}

/** Notes a task event in the record just before it is written, so tests can order it against commands. */
function sent(message) {
	const first = message.data.payload?.[0]
	record({ kind: "emitted", eventName: message.data.eventName, taskId: typeof first === "string" ? first : first?.taskId })
	return message
}

/** Broadcasts a task event through node-ipc, as the extension's API does. */
function emit(eventName, payload) {
	ipc.server.broadcast("message", sent(checked(event(eventName, payload))))
}

function newTaskId() {
	taskSeq++
	return `${crypto.randomUUID().slice(0, 8)}-task-${taskSeq}`
}

const usage = (tokensIn, tokensOut, cost) => ({
	totalTokensIn: tokensIn,
	totalTokensOut: tokensOut,
	totalCacheWrites: 0,
	totalCacheReads: 0,
	totalCost: cost,
	contextTokens: tokensIn + tokensOut,
})

const tools = { read_file: { attempts: 2, failures: 0 }, apply_diff: { attempts: 1, failures: 1 } }

function message(taskId, action, ts, fields) {
	return [{ taskId, action, message: { ts, ...fields } }]
}

async function run(socket) {
	const id = newTaskId()
	current = id
	const ts = Date.now()
	switch (scenario) {
		case "complete":
		case "unknown-event": {
			emit("taskCreated", [id])
			emit("taskStarted", [id])
			// A streamed message: two partial updates, then the final text.
			emit("message", message(id, "created", ts, { type: "say", say: "text", text: "Looking at", partial: true }))
			emit("message", message(id, "updated", ts, { type: "say", say: "text", text: "Looking at the issue", partial: true }))
			emit("message", message(id, "updated", ts, { type: "say", say: "text", text: "Looking at the issue now.", partial: false }))
			if (scenario === "unknown-event") {
				await unknownEvents(socket, id)
			}
			// The agent prints its environment: the key is in it.
			emit("message", message(id, "created", ts + 3, { type: "say", say: "command_output", text: `OPENROUTER_API_KEY=${process.env.OPENROUTER_API_KEY}` }))
			emit("message", message(id, "created", ts + 1, { type: "ask", ask: "tool", text: JSON.stringify({ tool: "readFile", path: "src/app.js" }) }))
			emit("taskAskResponded", [id])
			emit("taskToolFailed", [id, "apply_diff", "no match for the search block"])
			emit("taskModeSwitched", [id, "debug"])
			emit("taskTokenUsageUpdated", [id, usage(100, 20, 0.01), tools])
			emit("message", message(id, "created", ts + 2, { type: "say", say: "completion_result", text: "Fixed the off-by-one in app.js." }))
			emit("taskCompleted", [id, usage(1200, 340, 0.0425), tools, { isSubtask: false }])
			break
		}
		case "split": {
			// Frames split across reads (one cut inside a multi-byte character) and several frames in one write.
			const frames = [
				event("taskCreated", [id]),
				event("taskStarted", [id]),
				event("message", message(id, "created", ts, { type: "say", say: "text", text: "Naïve fix → «done» ✓", partial: false })),
			].map((m) => Buffer.from(frame(sent(checked(m))), "utf8"))
			const all = Buffer.concat(frames)
			const cut = all.indexOf(Buffer.from("→", "utf8")) + 1 // inside the 3-byte arrow
			for (const [from, to] of [[0, 5], [5, 40], [40, cut], [cut, all.length]]) {
				socket.write(all.subarray(from, to))
				await sleep(60)
			}
			const merged = [
				event("taskTokenUsageUpdated", [id, usage(500, 50, 0.02), tools]),
				event("message", message(id, "created", ts + 1, { type: "say", say: "completion_result", text: "Split and merged frames both arrived." })),
				event("taskCompleted", [id, usage(900, 90, 0.03), tools, { isSubtask: false }]),
			]
			socket.write(merged.map((m) => frame(sent(checked(m)))).join(""))
			break
		}
		case "subtask": {
			const child = newTaskId()
			emit("taskCreated", [id])
			emit("taskStarted", [id])
			emit("message", message(id, "created", ts, { type: "say", say: "text", text: "Delegating the tests to a subtask.", partial: false }))
			emit("taskModeSwitched", [id, "orchestrator"])
			emit("taskSpawned", [id, child])
			emit("taskPaused", [id])
			emit("taskCreated", [child])
			emit("taskStarted", [child])
			emit("message", message(child, "created", ts + 1, { type: "say", say: "text", text: "Writing the tests.", partial: false }))
			emit("taskTokenUsageUpdated", [child, usage(300, 30, 0.005), tools])
			emit("message", message(child, "created", ts + 2, { type: "say", say: "completion_result", text: "Tests written.", partial: false }))
			emit("taskCompleted", [child, usage(400, 40, 0.007), tools, { isSubtask: true }])
			await sleep(300) // a driver that ended on the subtask would already have sent CloseTask
			emit("taskUnpaused", [id])
			emit("taskTokenUsageUpdated", [id, usage(1000, 100, 0.02), tools])
			emit("message", message(id, "created", ts + 3, { type: "say", say: "completion_result", text: "Parent done after its subtask.", partial: false }))
			emit("taskCompleted", [id, usage(1100, 110, 0.025), tools, { isSubtask: false }])
			break
		}
		case "abort": {
			emit("taskCreated", [id])
			emit("taskStarted", [id])
			emit("message", message(id, "created", ts, { type: "ask", ask: "api_req_failed", text: "401 No auth credentials found", partial: false }))
			emit("taskTokenUsageUpdated", [id, usage(10, 0, 0.0001), tools])
			emit("taskAborted", [id])
			break
		}
		case "crash": {
			emit("taskCreated", [id])
			emit("taskStarted", [id])
			emit("message", message(id, "created", ts, { type: "say", say: "text", text: "About to crash.", partial: false }))
			await sleep(100)
			record({ kind: "exit", code: 1 })
			process.exit(1)
			break
		}
		case "hang": {
			// A child that would outlive its parent (like Electron helpers or Xvfb), to prove the tree is killed.
			const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })
			record({ kind: "child", pid: child.pid })
			emit("taskCreated", [id])
			emit("taskStarted", [id])
			emit("message", message(id, "created", ts, { type: "say", say: "text", text: "Thinking forever...", partial: false }))
			break
		}
		default:
			fail("unknown-scenario", { scenario })
	}
}

async function unknownEvents(socket, id) {
	// A name from a newer extension, one no version knows (so not schema-checked), extra fields everywhere,
	// a frame of another node-ipc event type, and a frame that is not JSON.
	emit("taskIdle", [id])
	const future = { type: "TaskEvent", origin: "server", relayClientId: "abcdef012345", data: { eventName: "taskTeleported", payload: [id, { to: "mars" }], taskId: 7 } }
	socket.write(frame(sent(future)))
	const extra = event("message", [{ taskId: id, action: "created", message: { ts: Date.now() + 5, type: "say", say: "text", text: "Extra fields are fine.", partial: false, newField: { x: 1 } }, alsoNew: true }])
	extra.data.newTopLevelField = "ignored"
	ipc.server.broadcast("message", sent(extra))
	socket.write(JSON.stringify({ type: "ping", data: { nothing: true } }) + "\f")
	socket.write("this is not json\f")
	await sleep(20)
}

// ---------------------------------------------------------------------------------------------------

record({ kind: "start", pid: process.pid, scenario, argv: process.argv.slice(2), env: process.env, cwd: process.cwd() })

if (!socketPath) {
	fail("no-socket-path", {})
}

if (scenario === "no-socket") {
	// VS Code without the extension: the window stays open, no socket ever appears.
	setInterval(() => {}, 1000)
} else {
	setTimeout(listen, listenDelay)
}
