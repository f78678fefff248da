import { mount } from 'svelte'
import App from './App.svelte'
import { connectNode } from './node-client.ts'
import { registerServiceWorker } from './service-worker.ts'
import './app.css'

mount(App, { target: document.getElementById('app')!, props: { connection: connectNode() } })
void registerServiceWorker()
