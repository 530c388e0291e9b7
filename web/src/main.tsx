import { render } from 'preact';
import { App } from './app.js';
import { model } from './model.js';
import './style.css';

model.start();
render(<App />, document.getElementById('app')!);
