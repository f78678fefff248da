import { mount } from 'svelte'
import App from './App.svelte'
import { connectNode } from './node-client.ts'
import { registerServiceWorker } from './service-worker.ts'
import { offerWebRtcHosting } from './webrtc-hosting.ts'
import './app.css'

const connection = connectNode()
mount(App, { target: document.getElementById('app')!, props: { connection } })
offerWebRtcHosting(connection.client)
void registerServiceWorker(connection.client)
