// The renderer's entry: mounts the app with the one API transport getApi() picks at start.
import { mount } from 'svelte';
import App from './App.svelte';
import { getApi } from './api';
import './app.css';

const target = document.getElementById('app');
if (!target) {
  throw new Error('The page has no #app element.');
}
mount(App, { target, props: { connect: getApi } });
